/* policy.y -- pure bison grammar for ZPL policy files (AST in compiler/policy.h)
 * SPDX-License-Identifier: MIT
 *
 * One action per rule, each a call into compiler/policy.c. Syntax errors are
 * reported as "file:line:col: error: syntax error, unexpected X, expecting
 * Y" and the parser resynchronises at the end of the statement (`error ';'`),
 * over a whole block when the error comes before its '{' (`error {...}`),
 * or at the end of the enclosing block (`'{' items error '}'`), so every
 * error of a file is reported in one run. Lexical errors come back as the
 * `error` token: recovery starts without a second, generic message.
 *
 * Keywords are reserved only where they start a statement; elsewhere (owner
 * names, values, labels) any word is accepted, so `check A 192.0.2.1;` or
 * `www CNAME geo;` still work. Two spots are ambiguous and handled apart:
 * an owner `ns` (`ns A 192.0.2.1;` versus `ns ns1, ns2;`, decided by the
 * token after the second word) and an owner `soa`, which is not allowed.
 * The name after `alias` and `cidr` cannot be a keyword (`alias check;`
 * would be ambiguous with a value set).
 */
%define api.pure full
%define api.prefix {pl_}
%define api.token.prefix {PL_T_}
%define api.location.type {loc_t}
%define parse.error detailed
%define parse.lac full
%locations
%param {void *scanner} {policy_parse_t *ctx}

%code requires {
#include "policy.h"
}

%code provides {
int pl_lex(PL_STYPE *lval, PL_LTYPE *lloc, void *scanner, policy_parse_t *ctx);
void pl_error(PL_LTYPE *lloc, void *scanner, policy_parse_t *ctx, const char *msg);
}

%code {
#include <string.h>

/* Locations are only a start (loc_t): a rule starts where its first symbol
 * does; an empty rule where the previous symbol started. */
# define YYLLOC_DEFAULT(Cur, Rhs, N) ((Cur) = (N) ? YYRHSLOC(Rhs, 1) : YYRHSLOC(Rhs, 0))
# define NONE ((policy_tok_t){0})
# define NOLIST ((policy_list_t){0})
# define ADD(list, node) policy_list_add((list), (node))
# define VAL(tok) policy_value_new(ctx, (tok))
}

%union {
    policy_tok_t tok;
    policy_list_t list;
    policy_stmt_t *stmt;
    policy_check_t *check;
    policy_cidr_entry_t *cidr;
    policy_zitem_t *zitem;
    policy_rule_t *rule;
    policy_branch_t *branch;
    policy_opt_t *opt;
}

%token <tok> NAME "name" NUMBER "number" DURATION "duration" STRING "string"
%token <tok> RECORDS_TEXT "records block"
%token ARROW "'->'"
%token <tok>
    ALIAS "'alias'" AT "'at'" AT_LEAST "'at-least'" BIAS "'bias'" CALCULATED "'calculated'"
    CHECK "'check'" CIDR "'cidr'" CIDRSET "'cidrset'" CONTAINS "'contains'"
    CONTINENT "'continent'" COUNTRY "'country'" DEFAULT "'default'" EXPECT "'expect'"
    EXPIRE "'expire'" FAILOVER "'failover'" FALL "'fall'" FROM "'from'" GEO "'geo'"
    GEODATA "'geodata'" HOST "'host'" HTTP "'http'" HTTPS "'https'" INCLUDE "'include'"
    INTERVAL "'interval'" INVERTED "'inverted'" LATENCY "'latency'" MINIMUM "'minimum'"
    MULTIVALUE "'multivalue'" NS "'ns'" PATH "'path'" PRIMARY "'primary'"
    PROXIMITY "'proximity'" RECORDS "'records'" REFRESH "'refresh'" REGION "'region'"
    RETRY "'retry'" RISE "'rise'" SECONDARY "'secondary'" SERIAL "'serial'" SOA "'soa'"
    SUBDIVISION "'subdivision'" TCP "'tcp'" TIMEOUT "'timeout'" TTL "'ttl'"
    WEIGHTED "'weighted'" ZONE "'zone'"

%type <tok> plain word owner_kw type duration value coord label
%type <list> check_opts cidr_entries prefixes zone_items ns_names soa_fields values codes names
%type <list> fo_items w_items geo_items lat_items prox_items cidr_items mv_items
%type <stmt> stmt
%type <check> check_head
%type <cidr> cidr_entry
%type <zitem> zone_item
%type <rule> rule value_set
%type <branch> fo_item w_item geo_item lat_item prox_item cidr_item mv_item
%type <opt> check_opt soa_field

%%

/* a file: statements */
file: %empty
    | file stmt                 { policy_stmt_add(ctx, $2); }
    ;

/* top-level statements */
stmt: INCLUDE STRING ';'        { $$ = policy_stmt_new(ctx, POLICY_S_INCLUDE, @1, $2); }
    | GEODATA STRING ';'        { $$ = policy_stmt_new(ctx, POLICY_S_GEODATA, @1, $2); }
    | LATENCY STRING ';'        { $$ = policy_stmt_new(ctx, POLICY_S_LATENCY, @1, $2); }
    | check_head check_opts ';' { $$ = policy_check_stmt(ctx, @1, $1, $2); }
    | CIDRSET word '{' cidr_entries '}'        { $$ = policy_cidrset_new(ctx, @1, $2, $4); }
    | CIDRSET word '{' cidr_entries error '}'  { $$ = policy_cidrset_new(ctx, @1, $2, $4); yyerrok; }
    | ZONE word '{' zone_items '}'             { $$ = policy_zone_new(ctx, @1, $2, $4); }
    | ZONE word '{' zone_items error '}'       { $$ = policy_zone_new(ctx, @1, $2, $4); yyerrok; }
    | recover                   { $$ = NULL; yyerrok; }
    ;

/* check NAME KIND TARGET */
check_head:
      CHECK word HTTP word      { $$ = policy_check_new(ctx, $2, POLICY_CHECK_HTTP, @3, $4, NOLIST); }
    | CHECK word HTTPS word     { $$ = policy_check_new(ctx, $2, POLICY_CHECK_HTTPS, @3, $4, NOLIST); }
    | CHECK word TCP word       { $$ = policy_check_new(ctx, $2, POLICY_CHECK_TCP, @3, $4, NOLIST); }
    | CHECK word CALCULATED '(' names ')'
                                { $$ = policy_check_new(ctx, $2, POLICY_CHECK_CALCULATED, @3, NONE, $5); }
    ;

/* check options */
check_opts: %empty             { $$ = NOLIST; }
    | check_opts check_opt      { $$ = ADD($1, $2); }
    ;
check_opt: PATH STRING          { $$ = policy_opt_new(ctx, POLICY_OPT_PATH, @1, $2); }
    | HOST STRING               { $$ = policy_opt_new(ctx, POLICY_OPT_HOST, @1, $2); }
    | INTERVAL duration         { $$ = policy_opt_new(ctx, POLICY_OPT_INTERVAL, @1, $2); }
    | TIMEOUT duration          { $$ = policy_opt_new(ctx, POLICY_OPT_TIMEOUT, @1, $2); }
    | FALL NUMBER               { $$ = policy_opt_new(ctx, POLICY_OPT_FALL, @1, $2); }
    | RISE NUMBER               { $$ = policy_opt_new(ctx, POLICY_OPT_RISE, @1, $2); }
    | EXPECT NUMBER             { $$ = policy_opt_new(ctx, POLICY_OPT_EXPECT, @1, $2); }
    | EXPECT NAME               { $$ = policy_opt_new(ctx, POLICY_OPT_EXPECT, @1, $2); }
    | CONTAINS STRING           { $$ = policy_opt_new(ctx, POLICY_OPT_CONTAINS, @1, $2); }
    | INVERTED                  { $$ = policy_opt_new(ctx, POLICY_OPT_INVERTED, @1, NONE); }
    | AT_LEAST NUMBER           { $$ = policy_opt_new(ctx, POLICY_OPT_AT_LEAST, @1, $2); }
    ;

/* cidrset entries: PREFIX [, PREFIX]... -> LABEL; */
cidr_entries: %empty            { $$ = NOLIST; }
    | cidr_entries cidr_entry   { $$ = ADD($1, $2); }
    | cidr_entries recover    { $$ = $1; yyerrok; }
    ;
cidr_entry: prefixes ARROW label ';'  { $$ = policy_cidr_entry_new(ctx, $1, $3); }
    ;
prefixes: coord                 { $$ = ADD(NOLIST, VAL($1)); }
    | prefixes ',' coord        { $$ = ADD($1, VAL($3)); }
    ;

/* zone body */
zone_items: %empty              { $$ = NOLIST; }
    | zone_items zone_item      { $$ = ADD($1, $2); }
    | zone_items recover      { $$ = $1; yyerrok; }
    ;
zone_item: TTL duration ';'     { $$ = policy_zitem_new(ctx, POLICY_Z_TTL, @1, $2); }
    | SOA word word soa_fields ';'  { $$ = policy_soa_new(ctx, @1, $2, $3, $4); }
    | NS ns_names ';'           { $$ = policy_ns_new(ctx, @1, $2); }
    | RECORDS RECORDS_TEXT      { $$ = policy_zitem_new(ctx, POLICY_Z_RECORDS, @1, $2); }
    | RECORDS FROM STRING ';'   { $$ = policy_zitem_new(ctx, POLICY_Z_RECORDS_FROM, @1, $3); }
    | owner_kw type rule        { $$ = policy_record_new(ctx, $1, $2, NONE, $3); }
    | owner_kw type TTL duration rule  { $$ = policy_record_new(ctx, $1, $2, $4, $5); }
    | NS type rule              { $$ = policy_record_new(ctx, $1, $2, NONE, $3); }
    | NS type TTL duration rule { $$ = policy_record_new(ctx, $1, $2, $4, $5); }
    ;
ns_names: word                  { $$ = ADD(NOLIST, VAL($1)); }
    | ns_names ',' word         { $$ = ADD($1, VAL($3)); }
    ;
soa_fields: %empty              { $$ = NOLIST; }
    | soa_fields soa_field      { $$ = ADD($1, $2); }
    ;
soa_field: SERIAL NUMBER        { $$ = policy_opt_new(ctx, POLICY_OPT_SERIAL, @1, $2); }
    | REFRESH duration          { $$ = policy_opt_new(ctx, POLICY_OPT_REFRESH, @1, $2); }
    | RETRY duration            { $$ = policy_opt_new(ctx, POLICY_OPT_RETRY, @1, $2); }
    | EXPIRE duration           { $$ = policy_opt_new(ctx, POLICY_OPT_EXPIRE, @1, $2); }
    | MINIMUM duration          { $$ = policy_opt_new(ctx, POLICY_OPT_MINIMUM, @1, $2); }
    ;

/* RULE: a value set, an alias or a block */
rule: value_set
    | ALIAS plain ';'            { $$ = policy_rule_named(ctx, POLICY_RULE_ALIAS, @1, $2, NOLIST); }
    | FAILOVER '{' fo_items '}'             { $$ = policy_rule_block(ctx, POLICY_RULE_FAILOVER, @1, $3); }
    | FAILOVER '{' fo_items error '}'       { $$ = policy_rule_block(ctx, POLICY_RULE_FAILOVER, @1, $3); yyerrok; }
    | WEIGHTED '{' w_items '}'              { $$ = policy_rule_block(ctx, POLICY_RULE_WEIGHTED, @1, $3); }
    | WEIGHTED '{' w_items error '}'        { $$ = policy_rule_block(ctx, POLICY_RULE_WEIGHTED, @1, $3); yyerrok; }
    | GEO '{' geo_items '}'                 { $$ = policy_rule_block(ctx, POLICY_RULE_GEO, @1, $3); }
    | GEO '{' geo_items error '}'           { $$ = policy_rule_block(ctx, POLICY_RULE_GEO, @1, $3); yyerrok; }
    | LATENCY '{' lat_items '}'             { $$ = policy_rule_block(ctx, POLICY_RULE_LATENCY, @1, $3); }
    | LATENCY '{' lat_items error '}'       { $$ = policy_rule_block(ctx, POLICY_RULE_LATENCY, @1, $3); yyerrok; }
    | PROXIMITY '{' prox_items '}'          { $$ = policy_rule_block(ctx, POLICY_RULE_PROXIMITY, @1, $3); }
    | PROXIMITY '{' prox_items error '}'    { $$ = policy_rule_block(ctx, POLICY_RULE_PROXIMITY, @1, $3); yyerrok; }
    | CIDR plain '{' cidr_items '}'          { $$ = policy_rule_named(ctx, POLICY_RULE_CIDR, @1, $2, $4); }
    | CIDR plain '{' cidr_items error '}'    { $$ = policy_rule_named(ctx, POLICY_RULE_CIDR, @1, $2, $4); yyerrok; }
    | MULTIVALUE '{' mv_items '}'           { $$ = policy_rule_block(ctx, POLICY_RULE_MULTIVALUE, @1, $3); }
    | MULTIVALUE '{' mv_items error '}'     { $$ = policy_rule_block(ctx, POLICY_RULE_MULTIVALUE, @1, $3); yyerrok; }
    ;

/* V [, V]... [check C]; */
value_set: values ';'           { $$ = policy_rule_values(ctx, $1, @2, NONE); }
    | values CHECK word ';'     { $$ = policy_rule_values(ctx, $1, @2, $3); }
    ;
values: value                   { $$ = ADD(NOLIST, VAL($1)); }
    | values ',' value          { $$ = ADD($1, VAL($3)); }
    ;

/* failover { primary RULE secondary RULE } */
fo_items: %empty                { $$ = NOLIST; }
    | fo_items fo_item          { $$ = ADD($1, $2); }
    | fo_items recover        { $$ = $1; yyerrok; }
    ;
fo_item: PRIMARY rule           { $$ = policy_branch_new(ctx, POLICY_BR_PRIMARY, @1, NOLIST, $2); }
    | SECONDARY rule            { $$ = policy_branch_new(ctx, POLICY_BR_SECONDARY, @1, NOLIST, $2); }
    ;

/* weighted { N -> RULE ... } */
w_items: %empty                 { $$ = NOLIST; }
    | w_items w_item            { $$ = ADD($1, $2); }
    | w_items recover         { $$ = $1; yyerrok; }
    ;
w_item: NUMBER ARROW rule       { $$ = policy_branch_new(ctx, POLICY_BR_WEIGHT, @1, ADD(NOLIST, VAL($1)), $3); }
    ;

/* geo { subdivision|country|continent CODE [, CODE]... -> RULE  default -> RULE } */
geo_items: %empty               { $$ = NOLIST; }
    | geo_items geo_item        { $$ = ADD($1, $2); }
    | geo_items recover       { $$ = $1; yyerrok; }
    ;
geo_item: SUBDIVISION codes ARROW rule  { $$ = policy_branch_new(ctx, POLICY_BR_SUBDIVISION, @1, $2, $4); }
    | COUNTRY codes ARROW rule  { $$ = policy_branch_new(ctx, POLICY_BR_COUNTRY, @1, $2, $4); }
    | CONTINENT codes ARROW rule    { $$ = policy_branch_new(ctx, POLICY_BR_CONTINENT, @1, $2, $4); }
    | DEFAULT ARROW rule        { $$ = policy_branch_new(ctx, POLICY_BR_DEFAULT, @1, NOLIST, $3); }
    ;
codes: label                    { $$ = ADD(NOLIST, VAL($1)); }
    | codes ',' label           { $$ = ADD($1, VAL($3)); }
    ;

/* latency { region R -> RULE ... } */
lat_items: %empty               { $$ = NOLIST; }
    | lat_items lat_item        { $$ = ADD($1, $2); }
    | lat_items recover       { $$ = $1; yyerrok; }
    ;
lat_item: REGION word ARROW rule    { $$ = policy_branch_new(ctx, POLICY_BR_REGION, @1, ADD(NOLIST, VAL($2)), $4); }
    ;

/* proximity { at LAT, LON [bias B] -> RULE ... } */
prox_items: %empty              { $$ = NOLIST; }
    | prox_items prox_item      { $$ = ADD($1, $2); }
    | prox_items recover      { $$ = $1; yyerrok; }
    ;
prox_item: AT coord ',' coord ARROW rule    { $$ = policy_branch_at(ctx, @1, $2, $4, NONE, $6); }
    | AT coord ',' coord BIAS coord ARROW rule  { $$ = policy_branch_at(ctx, @1, $2, $4, $6, $8); }
    ;

/* cidr SET { LABEL -> RULE; default -> RULE } */
cidr_items: %empty              { $$ = NOLIST; }
    | cidr_items cidr_item      { $$ = ADD($1, $2); }
    | cidr_items recover      { $$ = $1; yyerrok; }
    ;
cidr_item: label ARROW rule     { $$ = policy_branch_new(ctx, POLICY_BR_LABEL, @1, ADD(NOLIST, VAL($1)), $3); }
    | DEFAULT ARROW rule        { $$ = policy_branch_new(ctx, POLICY_BR_DEFAULT, @1, NOLIST, $3); }
    ;

/* multivalue { V [check C]; ... } */
mv_items: %empty                { $$ = NOLIST; }
    | mv_items mv_item          { $$ = ADD($1, $2); }
    | mv_items recover        { $$ = $1; yyerrok; }
    ;
mv_item: value_set              { $$ = policy_branch_new(ctx, POLICY_BR_ITEM, @1, NOLIST, $1); }
    ;

/* calculated (a, b) */
names: word                     { $$ = ADD(NOLIST, VAL($1)); }
    | names ',' word            { $$ = ADD($1, VAL($3)); }
    ;

/* error recovery: skip to the end of the statement, or over a whole
   (balanced) block when the error is in front of its '{' */
recover: error ';'
    | error skip_block
    ;
skip_block: '{' skip_items '}' ;
skip_items: %empty
    | skip_items skip_block
    | skip_items word
    | skip_items skip_tok
    ;
skip_tok: STRING | RECORDS_TEXT | ARROW | ';' | ',' | '(' | ')' ;

/* tokens */
duration: NUMBER | DURATION ;
/* a name that cannot be a keyword (alias target, cidrset reference) */
plain: NAME | NUMBER | DURATION ;
coord: NAME | NUMBER ;
label: NAME | NUMBER ;
type: NAME | NS | SOA ;
value: word | STRING ;
word: owner_kw | NS | SOA ;
/* an owner name: any word but `ns` and `soa` */
owner_kw: NAME | NUMBER | DURATION
    | ALIAS | AT | AT_LEAST | BIAS | CALCULATED | CHECK | CIDR | CIDRSET | CONTAINS
    | CONTINENT | COUNTRY | DEFAULT | EXPECT | EXPIRE | FAILOVER | FALL | FROM | GEO
    | GEODATA | HOST | HTTP | HTTPS | INCLUDE | INTERVAL | INVERTED | LATENCY | MINIMUM
    | MULTIVALUE | PATH | PRIMARY | PROXIMITY | RECORDS | REFRESH | REGION | RETRY | RISE
    | SECONDARY | SERIAL | SUBDIVISION | TCP | TIMEOUT | TTL | WEIGHTED | ZONE
    ;

%%

void pl_error(PL_LTYPE *lloc, void *scanner, policy_parse_t *ctx, const char *msg)
{
    (void)scanner;
    (void)ctx;
    /* bison's name for a full parser stack */
    if (strcmp(msg, "memory exhausted") == 0)
        msg = "blocks nested too deeply";
    diag_error(*lloc, "%s", msg);
}
