/* filter.y: the grammar of the demo's filter expressions (input of bison; the checked-in output
 * is generated/parser/filter.tab.c, see generated/manifest.toml).
 *
 *   expr := expr "||" expr | expr "&&" expr | "!" expr | "(" expr ")" | IDENT CMP value
 *   value := NUMBER | STRING
 *
 * "&&" binds tighter than "||"; "!" binds tightest. */
%define api.pure full
%define api.prefix {fx_}
%define parse.error verbose
%locations
%param {void *scanner}
%parse-param {filter_node **result}

%code requires {
#include "filter.h"

/* Where the scanner and the parser leave a syntax error (the flex scanner's "extra" data). */
struct fx_extra {
    char *err;
    size_t err_len;
    size_t err_offset;
};
}

%code {
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "filter.lex.h"

static void fx_error(FX_LTYPE *lloc, void *scanner, filter_node **result, const char *msg);
static filter_node *node_new(filter_kind kind);
}

%union {
    long long number;
    char *text;
    filter_op op;
    filter_node *node;
}

%token AND "&&" OR "||" NOT "!" LPAREN "(" RPAREN ")"
%token <op> CMP "comparison"
%token <number> NUMBER "number"
%token <text> STRING "string" IDENT "field name"
%token BADCHAR "unexpected character" BADSTRING "unterminated string"
%token BADNUMBER "number out of range" NOMEM "out of memory"
%type <node> expr cmp

%destructor { free($$); } <text>
%destructor { filter_free($$); } <node>

%left OR
%left AND
%precedence NOT

%initial-action { @$.first_column = @$.last_column = 0; }

%%

filter: expr              { *result = $1; }
      ;

expr: expr OR expr        { $$ = node_new(FILTER_OR); if (!$$) { filter_free($1); filter_free($3); YYNOMEM; } $$->left = $1; $$->right = $3; }
    | expr AND expr       { $$ = node_new(FILTER_AND); if (!$$) { filter_free($1); filter_free($3); YYNOMEM; } $$->left = $1; $$->right = $3; }
    | NOT expr            { $$ = node_new(FILTER_NOT); if (!$$) { filter_free($2); YYNOMEM; } $$->left = $2; }
    | LPAREN expr RPAREN  { $$ = $2; }
    | cmp
    ;

cmp: IDENT CMP NUMBER     { $$ = node_new(FILTER_CMP); if (!$$) { free($1); YYNOMEM; } $$->field = $1; $$->op = $2; $$->number = $3; }
   | IDENT CMP STRING     { $$ = node_new(FILTER_CMP); if (!$$) { free($1); free($3); YYNOMEM; } $$->field = $1; $$->op = $2; $$->is_string = 1; $$->string = $3; }
   ;

%%

static void fx_error(FX_LTYPE *lloc, void *scanner, filter_node **result, const char *msg) {
    struct fx_extra *extra = fx_get_extra(scanner);
    (void)result;
    if (extra->err_len > 0) snprintf(extra->err, extra->err_len, "%s", msg);
    extra->err_offset = (size_t)lloc->first_column;
}

static filter_node *node_new(filter_kind kind) {
    filter_node *node = calloc(1, sizeof *node);
    if (node != NULL) node->kind = kind;
    return node;
}

void filter_free(filter_node *node) {
    if (node == NULL) return;
    filter_free(node->left);
    filter_free(node->right);
    free(node->field);
    free(node->string);
    free(node);
}

int filter_parse(const char *src, size_t len, filter_node **out, char *err, size_t err_len,
                 size_t *err_offset) {
    struct fx_extra extra = { err, err_len, 0 };
    yyscan_t scanner;
    YY_BUFFER_STATE buffer;
    filter_node *result = NULL;
    int rc;

    *out = NULL;
    *err_offset = 0;
    if (err_len > 0) err[0] = '\0';
    if (fx_lex_init_extra(&extra, &scanner) != 0) return 2;
    buffer = fx__scan_bytes(src, (int)len, scanner);
    if (buffer == NULL) {
        fx_lex_destroy(scanner);
        return 2;
    }
    rc = fx_parse(scanner, &result);
    fx__delete_buffer(buffer, scanner);
    fx_lex_destroy(scanner);
    if (rc != 0) {
        filter_free(result);
        *err_offset = extra.err_offset;
        return rc;
    }
    *out = result;
    return 0;
}
