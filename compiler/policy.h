/* policy.h -- the ZPL abstract syntax tree built by grammar/policy.y
 * SPDX-License-Identifier: MIT
 *
 * The parser (grammar/policy.y over the scanner grammar/policy.l) turns one
 * .zpl file into a policy_file_t: a list of statements in source order.
 * Nothing is checked here beyond syntax; zpl.c lowers what it can into the
 * IR and a later pass compiles routing policies and health checks from the
 * same tree. Shape:
 *
 *   policy_file_t
 *     stmts: policy_stmt_t (INCLUDE | GEODATA | LATENCY | CHECK | CIDRSET | ZONE)
 *       CHECK   -> policy_check_t (kind, target or children, options)
 *       CIDRSET -> policy_cidr_entry_t list (prefixes -> label)
 *       ZONE    -> policy_zitem_t list (TTL | SOA | NS | RECORDS | RECORDS_FROM | RECORD)
 *         RECORD -> owner, type, [ttl], policy_rule_t
 *           policy_rule_t: VALUES (values [check C]) | ALIAS target
 *                        | a block (FAILOVER WEIGHTED GEO LATENCY PROXIMITY CIDR MULTIVALUE)
 *             block -> policy_branch_t list, each `keys -> rule` (nested to any depth)
 *
 * Every node carries the loc_t of its first token (for blocks and keyword
 * statements: the keyword). Tokens are kept as slices of the source text
 * (policy_tok_t), unconverted: numbers, durations, coordinates and prefixes
 * are converted by whoever consumes them, so each conversion error can point
 * at its token (policy_number(), policy_duration(), policy_string()).
 *
 * Memory: every node is allocated from the arena given to the parser; token
 * slices point into the file text, which the caller keeps alive at least as
 * long as the arena (zpl.c keeps both in ir->arena, until exit).
 */
#ifndef ZONEC_POLICY_H
#define ZONEC_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "diag.h"
#include "rrtype.h"

/* A token: a slice of the source text. For a quoted string `text` is the
 * bytes between the quotes with escapes NOT processed, `quoted` is 1 and
 * `loc` is the opening quote; otherwise `loc` is the first byte. A token
 * with len 0 and text NULL means "absent" (optional parts). */
typedef struct policy_tok {
    const char *text;
    uint32_t len;
    uint8_t quoted;
    loc_t loc;
} policy_tok_t;

/* One element of a comma-separated list (values, names, codes, prefixes). */
typedef struct policy_value {
    struct policy_value *next;
    policy_tok_t tok;
} policy_value_t;

/* Options of `check` statements and fields of `soa`, in source order and
 * not yet validated (duplicates and options that do not fit the check kind
 * are the consumer's to report). */
typedef enum policy_opt_kind {
    POLICY_OPT_PATH, POLICY_OPT_HOST, POLICY_OPT_INTERVAL, POLICY_OPT_TIMEOUT,
    POLICY_OPT_FALL, POLICY_OPT_RISE, POLICY_OPT_EXPECT, POLICY_OPT_CONTAINS,
    POLICY_OPT_INVERTED, POLICY_OPT_AT_LEAST,
    POLICY_OPT_SERIAL, POLICY_OPT_REFRESH, POLICY_OPT_RETRY, POLICY_OPT_EXPIRE,
    POLICY_OPT_MINIMUM,
} policy_opt_kind_t;

typedef struct policy_opt {
    struct policy_opt *next;
    policy_opt_kind_t kind;
    loc_t loc;          /* the option keyword */
    policy_tok_t val;   /* its argument; absent for `inverted` */
} policy_opt_t;

/* `check NAME KIND TARGET OPTIONS;` */
typedef enum policy_check_kind {
    POLICY_CHECK_HTTP, POLICY_CHECK_HTTPS, POLICY_CHECK_TCP, POLICY_CHECK_CALCULATED,
} policy_check_kind_t;

typedef struct policy_check {
    policy_tok_t name;
    policy_check_kind_t kind;
    loc_t kind_loc;             /* the kind keyword (http, tcp, ...) */
    policy_tok_t target;        /* http/https/tcp: ADDR:PORT as written */
    policy_value_t *children;   /* calculated: the checks in parentheses */
    policy_opt_t *opts;
} policy_check_t;

/* One line of a `cidrset NAME { P [, P]... -> LABEL; }` block. */
typedef struct policy_cidr_entry {
    struct policy_cidr_entry *next;
    loc_t loc;                  /* first prefix */
    policy_value_t *prefixes;   /* "10.0.0.0/8", "2001:db8::/48", as written */
    policy_tok_t label;
} policy_cidr_entry_t;

typedef struct policy_rule policy_rule_t;

/* One `KEYS -> RULE` line of a rule block. What `keys` holds depends on the
 * branch kind:
 *   PRIMARY, SECONDARY, DEFAULT: nothing          (failover / geo / cidr)
 *   WEIGHT: the weight (one number token)          (weighted)
 *   SUBDIVISION, COUNTRY, CONTINENT: the codes     (geo)
 *   REGION: the region name                        (latency)
 *   AT: latitude, longitude; `bias` when given     (proximity)
 *   LABEL: the cidrset label                       (cidr)
 *   ITEM: nothing; `rule` is the value set         (multivalue) */
typedef enum policy_branch_kind {
    POLICY_BR_PRIMARY, POLICY_BR_SECONDARY, POLICY_BR_WEIGHT, POLICY_BR_SUBDIVISION,
    POLICY_BR_COUNTRY, POLICY_BR_CONTINENT, POLICY_BR_DEFAULT, POLICY_BR_REGION,
    POLICY_BR_AT, POLICY_BR_LABEL, POLICY_BR_ITEM,
} policy_branch_kind_t;

typedef struct policy_branch {
    struct policy_branch *next;
    policy_branch_kind_t kind;
    loc_t loc;              /* keyword, or first token for WEIGHT/LABEL/ITEM */
    policy_value_t *keys;
    policy_tok_t bias;      /* AT only; absent when not given */
    policy_rule_t *rule;    /* never NULL */
} policy_branch_t;

/* A RULE: a value set, an alias, or a block of branches. */
typedef enum policy_rule_kind {
    POLICY_RULE_VALUES, POLICY_RULE_ALIAS, POLICY_RULE_FAILOVER, POLICY_RULE_WEIGHTED,
    POLICY_RULE_GEO, POLICY_RULE_LATENCY, POLICY_RULE_PROXIMITY, POLICY_RULE_CIDR,
    POLICY_RULE_MULTIVALUE,
} policy_rule_kind_t;

struct policy_rule {
    policy_rule_kind_t kind;
    loc_t loc;                  /* the keyword; VALUES: the first value */
    policy_value_t *values;     /* VALUES: tokens or quoted presentation rdata */
    policy_tok_t check;         /* VALUES: `check C`, absent when not given */
    loc_t check_loc;            /* VALUES: the `check` keyword */
    policy_tok_t name;          /* ALIAS: the target; CIDR: the cidrset */
    policy_branch_t *branches;  /* blocks, in source order */
};

/* The statements inside `zone NAME { ... }`. */
typedef enum policy_zitem_kind {
    POLICY_Z_TTL,           /* ttl D;                  arg = D */
    POLICY_Z_SOA,           /* soa M R [fields];       mname, rname, opts */
    POLICY_Z_NS,            /* ns a, b;                names */
    POLICY_Z_RECORDS,       /* records { text }        arg = the text, loc = its first byte */
    POLICY_Z_RECORDS_FROM,  /* records from "file";    arg = the string */
    POLICY_Z_RECORD,        /* OWNER TYPE [ttl D] RULE owner, type, ttl, rule */
} policy_zitem_kind_t;

typedef struct policy_zitem {
    struct policy_zitem *next;
    policy_zitem_kind_t kind;
    loc_t loc;              /* keyword, or the owner for RECORD */
    policy_tok_t arg;
    policy_tok_t mname, rname;
    policy_opt_t *opts;
    policy_value_t *names;
    policy_tok_t owner, type, ttl;  /* ttl absent when not given */
    policy_rule_t *rule;
} policy_zitem_t;

/* Top-level statements. */
typedef enum policy_stmt_kind {
    POLICY_S_INCLUDE,   /* arg = the path string */
    POLICY_S_GEODATA,   /* arg = the path string */
    POLICY_S_LATENCY,   /* arg = the path string */
    POLICY_S_CHECK,     /* check */
    POLICY_S_CIDRSET,   /* arg = the name, entries */
    POLICY_S_ZONE,      /* arg = the name, items */
} policy_stmt_kind_t;

typedef struct policy_stmt {
    struct policy_stmt *next;
    policy_stmt_kind_t kind;
    loc_t loc;              /* the keyword */
    policy_tok_t arg;
    policy_check_t *check;
    policy_cidr_entry_t *entries;
    policy_zitem_t *items;
} policy_stmt_t;

typedef struct policy_file {
    uint32_t file;          /* diag file id */
    policy_stmt_t *stmts;
} policy_file_t;

/* Parser state shared by the scanner and the parser of one file (the
 * %param of grammar/policy.y). Create it with policy_parse_init(); only
 * the parser and scanner touch the fields. */
typedef struct policy_parse {
    arena_t *arena;
    uint32_t file;
    const char *text;           /* the whole file */
    size_t len;
    /* scanner position of the next byte */
    size_t pos;
    uint32_t line, col;
    /* `records {` capture */
    int after_records;          /* the last token was `records` */
    int raw_depth;
    size_t raw_start;
    loc_t raw_loc, brace_loc;
    int last_bad;               /* the last token was a bad character */
    /* result */
    policy_file_t *out;
    policy_stmt_t **tail;
} policy_parse_t;

/* A generic list under construction (head and tail of nodes whose first
 * member is their `next` pointer); grammar actions use it to append in
 * constant time. */
typedef struct policy_list {
    void *head, *tail;
} policy_list_t;

/* Parses text[0..len) of registered file `file` and reports every syntax
 * error with diag_error(). Returns: the tree (possibly partial when there
 * were errors; check diag_error_count()). Ownership: nodes in `arena`;
 * tokens point into `text`, which must outlive the tree. */
policy_file_t *policy_parse(arena_t *arena, uint32_t file, const char *text, size_t len);

/* --- helpers for consumers ------------------------------------------------ */

/* Converts a duration token (seconds, or digits with units s m h d w, e.g.
 * "30s", "2h", "1h30m") to seconds. Returns: 0, or -1 when it is not a
 * duration, -2 when it exceeds `max`. */
int policy_duration(const policy_tok_t *t, uint32_t max, uint32_t *out);

/* Converts a decimal number token to an integer <= max.
 * Returns: 0, -1 when not a number, -2 when above `max`. */
int policy_number(const policy_tok_t *t, uint32_t max, uint32_t *out);

/* The contents of a quoted token with the ZPL escapes \" and \\ undone
 * (other backslash sequences are kept, they belong to the presentation
 * format inside). When `srcoff` is not NULL it receives, for each output
 * byte, its offset within t->text (allocated from `a`, len+1 entries, the
 * last for the end). Returns: NUL-terminated copy in `a`, *out_len set. */
char *policy_string(arena_t *a, const policy_tok_t *t, size_t *out_len, uint32_t **srcoff);

/* Splits a record value into rdata fields for rrtype_rdata_from_text(): a
 * bare token is one field; a quoted value is presentation rdata, fields
 * separated by blanks, inner "..." parts quoted fields. For TXT and SPF a
 * quoted value without inner quotes is one character-string
 * (`"v=spf1 mx -all"` means what it says). Field locations point into the
 * .zpl source (strings never span lines). Reports "unterminated string in
 * value" / "empty value". Returns: the field count (0 after an error), the
 * fields in *out, allocated from `a`. */
size_t policy_value_fields(arena_t *a, uint16_t type, const policy_tok_t *t, rdata_field_t **out);

/* Textual form of a token for messages, NUL-terminated, in `a`. */
char *policy_tok_str(arena_t *a, const policy_tok_t *t);

/* Prints the tree in an indented one-node-per-line form with line:col of
 * every node (tests and debugging). */
void policy_dump(FILE *f, const policy_file_t *pf);

/* --- constructors used by the grammar actions (policy.c) ------------------ */

policy_list_t policy_list_add(policy_list_t l, void *node);
policy_value_t *policy_value_new(policy_parse_t *p, policy_tok_t tok);
policy_opt_t *policy_opt_new(policy_parse_t *p, policy_opt_kind_t kind, loc_t loc, policy_tok_t val);

void policy_stmt_add(policy_parse_t *p, policy_stmt_t *s);
policy_stmt_t *policy_stmt_new(policy_parse_t *p, policy_stmt_kind_t kind, loc_t loc, policy_tok_t arg);
policy_check_t *policy_check_new(policy_parse_t *p, policy_tok_t name, policy_check_kind_t kind,
                                 loc_t kind_loc, policy_tok_t target, policy_list_t children);
policy_stmt_t *policy_check_stmt(policy_parse_t *p, loc_t loc, policy_check_t *c, policy_list_t opts);
policy_stmt_t *policy_cidrset_new(policy_parse_t *p, loc_t loc, policy_tok_t name, policy_list_t entries);
policy_cidr_entry_t *policy_cidr_entry_new(policy_parse_t *p, policy_list_t prefixes, policy_tok_t label);
policy_stmt_t *policy_zone_new(policy_parse_t *p, loc_t loc, policy_tok_t name, policy_list_t items);

policy_zitem_t *policy_zitem_new(policy_parse_t *p, policy_zitem_kind_t kind, loc_t loc, policy_tok_t arg);
policy_zitem_t *policy_soa_new(policy_parse_t *p, loc_t loc, policy_tok_t mname, policy_tok_t rname,
                               policy_list_t opts);
policy_zitem_t *policy_ns_new(policy_parse_t *p, loc_t loc, policy_list_t names);
policy_zitem_t *policy_record_new(policy_parse_t *p, policy_tok_t owner, policy_tok_t type,
                                  policy_tok_t ttl, policy_rule_t *rule);

policy_rule_t *policy_rule_values(policy_parse_t *p, policy_list_t values, loc_t check_loc,
                                  policy_tok_t check);
policy_rule_t *policy_rule_named(policy_parse_t *p, policy_rule_kind_t kind, loc_t loc, policy_tok_t name,
                                 policy_list_t branches);
policy_rule_t *policy_rule_block(policy_parse_t *p, policy_rule_kind_t kind, loc_t loc,
                                 policy_list_t branches);
policy_branch_t *policy_branch_new(policy_parse_t *p, policy_branch_kind_t kind, loc_t loc,
                                   policy_list_t keys, policy_rule_t *rule);
policy_branch_t *policy_branch_at(policy_parse_t *p, loc_t loc, policy_tok_t lat, policy_tok_t lon,
                                  policy_tok_t bias, policy_rule_t *rule);

#endif
