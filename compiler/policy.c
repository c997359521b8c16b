/* policy.c -- ZPL AST constructors and token conversions (see policy.h)
 * SPDX-License-Identifier: MIT
 *
 * The constructors are what grammar/policy.y's actions call, one each, so
 * the grammar stays a grammar. They allocate from the parse arena and never
 * report errors: semantic checks belong to the consumers of the tree.
 */
#include "policy.h"

#include <string.h>

/* Every list node starts with its `next` pointer. */
struct link {
    struct link *next;
};

policy_list_t policy_list_add(policy_list_t l, void *node)
{
    if (!node)
        return l; /* a construct dropped by error recovery */
    if (!l.head)
        l.head = node;
    else
        ((struct link *)l.tail)->next = node;
    l.tail = node;
    return l;
}

policy_value_t *policy_value_new(policy_parse_t *p, policy_tok_t tok)
{
    policy_value_t *v = arena_alloc(p->arena, sizeof *v);
    v->tok = tok;
    return v;
}

policy_opt_t *policy_opt_new(policy_parse_t *p, policy_opt_kind_t kind, loc_t loc, policy_tok_t val)
{
    policy_opt_t *o = arena_alloc(p->arena, sizeof *o);
    o->kind = kind;
    o->loc = loc;
    o->val = val;
    return o;
}

void policy_stmt_add(policy_parse_t *p, policy_stmt_t *s)
{
    if (!s)
        return;
    *p->tail = s;
    p->tail = &s->next;
}

policy_stmt_t *policy_stmt_new(policy_parse_t *p, policy_stmt_kind_t kind, loc_t loc, policy_tok_t arg)
{
    policy_stmt_t *s = arena_alloc(p->arena, sizeof *s);
    s->kind = kind;
    s->loc = loc;
    s->arg = arg;
    return s;
}

policy_check_t *policy_check_new(policy_parse_t *p, policy_tok_t name, policy_check_kind_t kind,
                                 loc_t kind_loc, policy_tok_t target, policy_list_t children)
{
    policy_check_t *c = arena_alloc(p->arena, sizeof *c);
    c->name = name;
    c->kind = kind;
    c->kind_loc = kind_loc;
    c->target = target;
    c->children = children.head;
    return c;
}

policy_stmt_t *policy_check_stmt(policy_parse_t *p, loc_t loc, policy_check_t *c, policy_list_t opts)
{
    policy_stmt_t *s = policy_stmt_new(p, POLICY_S_CHECK, loc, c->name);
    c->opts = opts.head;
    s->check = c;
    return s;
}

policy_stmt_t *policy_cidrset_new(policy_parse_t *p, loc_t loc, policy_tok_t name, policy_list_t entries)
{
    policy_stmt_t *s = policy_stmt_new(p, POLICY_S_CIDRSET, loc, name);
    s->entries = entries.head;
    return s;
}

policy_cidr_entry_t *policy_cidr_entry_new(policy_parse_t *p, policy_list_t prefixes, policy_tok_t label)
{
    policy_cidr_entry_t *e = arena_alloc(p->arena, sizeof *e);
    e->prefixes = prefixes.head;
    e->loc = e->prefixes ? e->prefixes->tok.loc : label.loc;
    e->label = label;
    return e;
}

policy_stmt_t *policy_zone_new(policy_parse_t *p, loc_t loc, policy_tok_t name, policy_list_t items)
{
    policy_stmt_t *s = policy_stmt_new(p, POLICY_S_ZONE, loc, name);
    s->items = items.head;
    return s;
}

policy_zitem_t *policy_zitem_new(policy_parse_t *p, policy_zitem_kind_t kind, loc_t loc, policy_tok_t arg)
{
    policy_zitem_t *z = arena_alloc(p->arena, sizeof *z);
    z->kind = kind;
    z->loc = loc;
    z->arg = arg;
    return z;
}

policy_zitem_t *policy_soa_new(policy_parse_t *p, loc_t loc, policy_tok_t mname, policy_tok_t rname,
                               policy_list_t opts)
{
    policy_zitem_t *z = policy_zitem_new(p, POLICY_Z_SOA, loc, (policy_tok_t){0});
    z->mname = mname;
    z->rname = rname;
    z->opts = opts.head;
    return z;
}

policy_zitem_t *policy_ns_new(policy_parse_t *p, loc_t loc, policy_list_t names)
{
    policy_zitem_t *z = policy_zitem_new(p, POLICY_Z_NS, loc, (policy_tok_t){0});
    z->names = names.head;
    return z;
}

policy_zitem_t *policy_record_new(policy_parse_t *p, policy_tok_t owner, policy_tok_t type,
                                  policy_tok_t ttl, policy_rule_t *rule)
{
    policy_zitem_t *z = policy_zitem_new(p, POLICY_Z_RECORD, owner.loc, (policy_tok_t){0});
    z->owner = owner;
    z->type = type;
    z->ttl = ttl;
    z->rule = rule;
    return z;
}

policy_rule_t *policy_rule_values(policy_parse_t *p, policy_list_t values, loc_t check_loc,
                                  policy_tok_t check)
{
    policy_rule_t *r = arena_alloc(p->arena, sizeof *r);
    r->kind = POLICY_RULE_VALUES;
    r->values = values.head;
    r->loc = r->values ? r->values->tok.loc : check_loc;
    r->check = check;
    r->check_loc = check_loc;
    return r;
}

policy_rule_t *policy_rule_named(policy_parse_t *p, policy_rule_kind_t kind, loc_t loc, policy_tok_t name,
                                 policy_list_t branches)
{
    policy_rule_t *r = policy_rule_block(p, kind, loc, branches);
    r->name = name;
    return r;
}

policy_rule_t *policy_rule_block(policy_parse_t *p, policy_rule_kind_t kind, loc_t loc,
                                 policy_list_t branches)
{
    policy_rule_t *r = arena_alloc(p->arena, sizeof *r);
    r->kind = kind;
    r->loc = loc;
    r->branches = branches.head;
    return r;
}

policy_branch_t *policy_branch_new(policy_parse_t *p, policy_branch_kind_t kind, loc_t loc,
                                   policy_list_t keys, policy_rule_t *rule)
{
    if (!rule)
        return NULL;
    policy_branch_t *b = arena_alloc(p->arena, sizeof *b);
    b->kind = kind;
    b->loc = loc;
    b->keys = keys.head;
    b->rule = rule;
    return b;
}

policy_branch_t *policy_branch_at(policy_parse_t *p, loc_t loc, policy_tok_t lat, policy_tok_t lon,
                                  policy_tok_t bias, policy_rule_t *rule)
{
    policy_list_t keys = {0};
    keys = policy_list_add(keys, policy_value_new(p, lat));
    keys = policy_list_add(keys, policy_value_new(p, lon));
    policy_branch_t *b = policy_branch_new(p, POLICY_BR_AT, loc, keys, rule);
    if (b)
        b->bias = bias;
    return b;
}

/* --- conversions ---------------------------------------------------------- */

int policy_number(const policy_tok_t *t, uint32_t max, uint32_t *out)
{
    if (t->quoted || t->len == 0)
        return -1;
    uint64_t v = 0;
    for (uint32_t i = 0; i < t->len; i++) {
        char c = t->text[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (uint64_t)(c - '0');
        if (v > max)
            v = (uint64_t)max + 1; /* saturate; keep checking the syntax */
    }
    if (v > max)
        return -2;
    *out = (uint32_t)v;
    return 0;
}

int policy_duration(const policy_tok_t *t, uint32_t max, uint32_t *out)
{
    if (t->quoted || t->len == 0)
        return -1;
    uint64_t total = 0, cur = 0;
    int digits = 0, units = 0;
    for (uint32_t i = 0; i < t->len; i++) {
        char c = t->text[i];
        if (c >= '0' && c <= '9') {
            cur = cur * 10 + (uint64_t)(c - '0');
            if (cur > max)
                cur = (uint64_t)max + 1;
            digits++;
            continue;
        }
        uint64_t mul;
        switch (c | 0x20) {
        case 's': mul = 1; break;
        case 'm': mul = 60; break;
        case 'h': mul = 3600; break;
        case 'd': mul = 86400; break;
        case 'w': mul = 604800; break;
        default: return -1;
        }
        if (!digits)
            return -1;
        total += cur * mul;
        if (total > max)
            total = (uint64_t)max + 1;
        cur = 0;
        digits = 0;
        units++;
    }
    if (digits) {
        if (units)
            return -1; /* "1h30" is ambiguous: reject */
        total = cur;
    }
    if (total > max)
        return -2;
    *out = (uint32_t)total;
    return 0;
}

char *policy_string(arena_t *a, const policy_tok_t *t, size_t *out_len, uint32_t **srcoff)
{
    char *s = arena_alloc(a, (size_t)t->len + 1);
    uint32_t *map = srcoff ? arena_alloc_array(a, (size_t)t->len + 1, sizeof *map) : NULL;
    size_t w = 0;
    for (uint32_t i = 0; i < t->len; i++) {
        if (map)
            map[w] = i;
        if (t->quoted && t->text[i] == '\\' && i + 1 < t->len &&
            (t->text[i + 1] == '"' || t->text[i + 1] == '\\'))
            i++;
        s[w++] = t->text[i];
    }
    if (map) {
        map[w] = t->len;
        *srcoff = map;
    }
    s[w] = 0;
    *out_len = w;
    return s;
}

size_t policy_value_fields(arena_t *a, uint16_t type, const policy_tok_t *t, rdata_field_t **out)
{
    if (!t->quoted) {
        rdata_field_t *f = arena_alloc(a, sizeof *f);
        *f = (rdata_field_t){t->text, t->len, 0, t->loc};
        *out = f;
        return 1;
    }
    size_t n;
    uint32_t *map;
    char *s = policy_string(a, t, &n, &map);
    rdata_field_t *f = arena_alloc_array(a, n / 2 + 2, sizeof *f);
    loc_t at = t->loc;
    at.col++; /* past the opening quote */
    *out = f;
    if ((type == RR_TXT || type == RR_SPF) && !memchr(s, '"', n)) {
        f[0] = (rdata_field_t){s, n, 1, at};
        return 1;
    }
    size_t count = 0, i = 0;
    while (i < n) {
        if (s[i] == ' ' || s[i] == '\t') {
            i++;
            continue;
        }
        loc_t floc = at;
        floc.col += map[i];
        int quoted = s[i] == '"';
        size_t start = i + (size_t)quoted;
        i = start;
        while (i < n && (quoted ? s[i] != '"' : (s[i] != ' ' && s[i] != '\t' && s[i] != '"')))
            i += (s[i] == '\\' && i + 1 < n) ? 2 : 1;
        if (quoted && i >= n) {
            diag_error(floc, "unterminated string in value");
            return 0;
        }
        f[count++] = (rdata_field_t){s + start, i - start, (uint8_t)quoted, floc};
        i += (size_t)quoted;
    }
    if (count == 0)
        diag_error(t->loc, "empty value");
    return count;
}

char *policy_tok_str(arena_t *a, const policy_tok_t *t)
{
    return arena_strndup(a, t->text ? t->text : "", t->len);
}

/* --- the parser driver ---------------------------------------------------- */

/* The generated scanner's interface needs the bison names and our YY_DECL. */
#include "policy.tab.h"
#define YYSTYPE PL_STYPE
#define YYLTYPE PL_LTYPE
#define YY_DECL int pl_lex(PL_STYPE *yylval_param, PL_LTYPE *yylloc_param, void *yyscanner, \
                           policy_parse_t *ctx)
#include "policy.lex.h"

policy_file_t *policy_parse(arena_t *arena, uint32_t file, const char *text, size_t len)
{
    policy_parse_t p = {.arena = arena, .file = file, .text = text, .len = len, .line = 1, .col = 1};
    p.out = arena_alloc(arena, sizeof *p.out);
    p.out->file = file;
    p.tail = &p.out->stmts;
    yyscan_t scanner;
    if (pl_lex_init(&scanner) != 0) {
        diag_error((loc_t){file, 0, 0}, "cannot start the scanner");
        return p.out;
    }
    pl__scan_bytes(text, (int)len, scanner);
    pl_parse(scanner, &p);
    pl_lex_destroy(scanner);
    return p.out;
}

/* --- dump ------------------------------------------------------------------ */

static const char *const opt_names[] = {
    [POLICY_OPT_PATH] = "path", [POLICY_OPT_HOST] = "host", [POLICY_OPT_INTERVAL] = "interval",
    [POLICY_OPT_TIMEOUT] = "timeout", [POLICY_OPT_FALL] = "fall", [POLICY_OPT_RISE] = "rise",
    [POLICY_OPT_EXPECT] = "expect", [POLICY_OPT_CONTAINS] = "contains",
    [POLICY_OPT_INVERTED] = "inverted", [POLICY_OPT_AT_LEAST] = "at-least",
    [POLICY_OPT_SERIAL] = "serial", [POLICY_OPT_REFRESH] = "refresh", [POLICY_OPT_RETRY] = "retry",
    [POLICY_OPT_EXPIRE] = "expire", [POLICY_OPT_MINIMUM] = "minimum",
};
static const char *const rule_names[] = {
    [POLICY_RULE_VALUES] = "values", [POLICY_RULE_ALIAS] = "alias",
    [POLICY_RULE_FAILOVER] = "failover", [POLICY_RULE_WEIGHTED] = "weighted",
    [POLICY_RULE_GEO] = "geo", [POLICY_RULE_LATENCY] = "latency",
    [POLICY_RULE_PROXIMITY] = "proximity", [POLICY_RULE_CIDR] = "cidr",
    [POLICY_RULE_MULTIVALUE] = "multivalue",
};
static const char *const branch_names[] = {
    [POLICY_BR_PRIMARY] = "primary", [POLICY_BR_SECONDARY] = "secondary",
    [POLICY_BR_WEIGHT] = "weight", [POLICY_BR_SUBDIVISION] = "subdivision",
    [POLICY_BR_COUNTRY] = "country", [POLICY_BR_CONTINENT] = "continent",
    [POLICY_BR_DEFAULT] = "default", [POLICY_BR_REGION] = "region", [POLICY_BR_AT] = "at",
    [POLICY_BR_LABEL] = "label", [POLICY_BR_ITEM] = "item",
};
static const char *const check_names[] = {
    [POLICY_CHECK_HTTP] = "http", [POLICY_CHECK_HTTPS] = "https",
    [POLICY_CHECK_TCP] = "tcp", [POLICY_CHECK_CALCULATED] = "calculated",
};

static void dump_tok(FILE *f, const policy_tok_t *t)
{
    if (t->quoted)
        fprintf(f, " \"%.*s\"", (int)t->len, t->text);
    else if (t->text)
        fprintf(f, " %.*s", (int)t->len, t->text);
}

static void dump_values(FILE *f, const policy_value_t *v)
{
    for (; v; v = v->next)
        dump_tok(f, &v->tok);
}

static void dump_loc(FILE *f, loc_t l)
{
    fprintf(f, " @%u:%u\n", l.line, l.col);
}

static void dump_rule(FILE *f, const policy_rule_t *r, int ind)
{
    fprintf(f, "%*s%s", ind, "", rule_names[r->kind]);
    dump_values(f, r->values);
    if (r->check.text) {
        fputs(" check", f);
        dump_tok(f, &r->check);
    }
    dump_tok(f, &r->name);
    dump_loc(f, r->loc);
    for (const policy_branch_t *b = r->branches; b; b = b->next) {
        fprintf(f, "%*s%s", ind + 2, "", branch_names[b->kind]);
        dump_values(f, b->keys);
        if (b->bias.text) {
            fputs(" bias", f);
            dump_tok(f, &b->bias);
        }
        dump_loc(f, b->loc);
        dump_rule(f, b->rule, ind + 4);
    }
}

static void dump_opts(FILE *f, const policy_opt_t *o, int ind)
{
    for (; o; o = o->next) {
        fprintf(f, "%*s%s", ind, "", opt_names[o->kind]);
        dump_tok(f, &o->val);
        dump_loc(f, o->loc);
    }
}

static void dump_zitem(FILE *f, const policy_zitem_t *z)
{
    switch (z->kind) {
    case POLICY_Z_TTL:
        fputs("  ttl", f);
        dump_tok(f, &z->arg);
        break;
    case POLICY_Z_SOA:
        fputs("  soa", f);
        dump_tok(f, &z->mname);
        dump_tok(f, &z->rname);
        dump_loc(f, z->loc);
        dump_opts(f, z->opts, 4);
        return;
    case POLICY_Z_NS:
        fputs("  ns", f);
        dump_values(f, z->names);
        break;
    case POLICY_Z_RECORDS:
        fprintf(f, "  records %u bytes at %u:%u", z->arg.len, z->arg.loc.line, z->arg.loc.col);
        break;
    case POLICY_Z_RECORDS_FROM:
        fputs("  records from", f);
        dump_tok(f, &z->arg);
        break;
    case POLICY_Z_RECORD:
        fputs("  record", f);
        dump_tok(f, &z->owner);
        dump_tok(f, &z->type);
        if (z->ttl.text) {
            fputs(" ttl", f);
            dump_tok(f, &z->ttl);
        }
        dump_loc(f, z->loc);
        dump_rule(f, z->rule, 4);
        return;
    }
    dump_loc(f, z->loc);
}

void policy_dump(FILE *f, const policy_file_t *pf)
{
    static const char *const kw[] = {
        [POLICY_S_INCLUDE] = "include", [POLICY_S_GEODATA] = "geodata",
        [POLICY_S_LATENCY] = "latency", [POLICY_S_CHECK] = "check",
        [POLICY_S_CIDRSET] = "cidrset", [POLICY_S_ZONE] = "zone",
    };
    for (const policy_stmt_t *s = pf->stmts; s; s = s->next) {
        fputs(kw[s->kind], f);
        dump_tok(f, &s->arg);
        if (s->check) {
            fprintf(f, " %s", check_names[s->check->kind]);
            dump_tok(f, &s->check->target);
            dump_values(f, s->check->children);
        }
        dump_loc(f, s->loc);
        if (s->check)
            dump_opts(f, s->check->opts, 2);
        for (const policy_cidr_entry_t *e = s->entries; e; e = e->next) {
            fputs("  prefixes", f);
            dump_values(f, e->prefixes);
            fputs(" ->", f);
            dump_tok(f, &e->label);
            dump_loc(f, e->loc);
        }
        for (const policy_zitem_t *z = s->items; z; z = z->next)
            dump_zitem(f, z);
    }
}
