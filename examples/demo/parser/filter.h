/* filter.h: the C API of the demo's filter-expression parser (hand-written, not generated).
 *
 * A filter is a boolean expression over named fields, e.g.
 *     size > 10 && (name == "x" || !name ~ ".tmp")
 * filter_parse() turns it into a tree of filter_node; filter_free() releases the tree.
 * The parser is reentrant (a pure bison parser over a reentrant flex scanner): it keeps no
 * global state, so it may be called from several threads at once. */
#ifndef SYSPACK_DEMO_FILTER_H
#define SYSPACK_DEMO_FILTER_H

#include <stddef.h>

typedef enum filter_kind {
    FILTER_AND = 0,  /* left && right */
    FILTER_OR = 1,   /* left || right */
    FILTER_NOT = 2,  /* !left */
    FILTER_CMP = 3   /* field op value */
} filter_kind;

typedef enum filter_op {
    FILTER_EQ = 0,       /* == */
    FILTER_NE = 1,       /* != */
    FILTER_LT = 2,       /* <  */
    FILTER_LE = 3,       /* <= */
    FILTER_GT = 4,       /* >  */
    FILTER_GE = 5,       /* >= */
    FILTER_CONTAINS = 6  /* ~  (substring) */
} filter_op;

typedef struct filter_node {
    filter_kind kind;
    filter_op op;              /* FILTER_CMP only */
    struct filter_node *left;  /* AND, OR, NOT */
    struct filter_node *right; /* AND, OR */
    char *field;               /* FILTER_CMP: the field name */
    int is_string;             /* FILTER_CMP: 1 if the value is `string`, 0 if `number` */
    char *string;
    long long number;
} filter_node;

/* Parses `len` bytes at `src`. On success returns 0 and stores the tree in `*out`; on a syntax
 * error returns 1, stores NULL in `*out`, writes a message (NUL-terminated, truncated to
 * `err_len`) to `err` and the byte offset of the offending token to `*err_offset`; returns 2 if
 * memory ran out. */
int filter_parse(const char *src, size_t len, filter_node **out, char *err, size_t err_len,
                 size_t *err_offset);

/* Frees a tree returned by filter_parse (NULL is allowed). */
void filter_free(filter_node *node);

#endif
