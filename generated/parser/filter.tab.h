/* A Bison parser, made by GNU Bison 3.8.2.  */

/* Bison interface for Yacc-like parsers in C

   Copyright (C) 1984, 1989-1990, 2000-2015, 2018-2021 Free Software Foundation,
   Inc.

   This program is free software: you can redistribute it and/or modify
   it under the terms of the GNU General Public License as published by
   the Free Software Foundation, either version 3 of the License, or
   (at your option) any later version.

   This program is distributed in the hope that it will be useful,
   but WITHOUT ANY WARRANTY; without even the implied warranty of
   MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
   GNU General Public License for more details.

   You should have received a copy of the GNU General Public License
   along with this program.  If not, see <https://www.gnu.org/licenses/>.  */

/* As a special exception, you may create a larger work that contains
   part or all of the Bison parser skeleton and distribute that work
   under terms of your choice, so long as that work isn't itself a
   parser generator using the skeleton or a modified version thereof
   as a parser skeleton.  Alternatively, if you modify or redistribute
   the parser skeleton itself, you may (at your option) remove this
   special exception, which will cause the skeleton and the resulting
   Bison output files to be licensed under the GNU General Public
   License without this special exception.

   This special exception was added by the Free Software Foundation in
   version 2.2 of Bison.  */

/* DO NOT RELY ON FEATURES THAT ARE NOT DOCUMENTED in the manual,
   especially those whose name start with YY_ or yy_.  They are
   private implementation details that can be changed or removed.  */

#ifndef YY_FX_FILTER_TAB_H_INCLUDED
# define YY_FX_FILTER_TAB_H_INCLUDED
/* Debug traces.  */
#ifndef FX_DEBUG
# if defined YYDEBUG
#if YYDEBUG
#   define FX_DEBUG 1
#  else
#   define FX_DEBUG 0
#  endif
# else /* ! defined YYDEBUG */
#  define FX_DEBUG 0
# endif /* ! defined YYDEBUG */
#endif  /* ! defined FX_DEBUG */
#if FX_DEBUG
extern int fx_debug;
#endif
/* "%code requires" blocks.  */

#include "filter.h"

/* Where the scanner and the parser leave a syntax error (the flex scanner's "extra" data). */
struct fx_extra {
    char *err;
    size_t err_len;
    size_t err_offset;
};


/* Token kinds.  */
#ifndef FX_TOKENTYPE
# define FX_TOKENTYPE
  enum fx_tokentype
  {
    FX_EMPTY = -2,
    FX_EOF = 0,                    /* "end of file"  */
    FX_error = 256,                /* error  */
    FX_UNDEF = 257,                /* "invalid token"  */
    AND = 258,                     /* "&&"  */
    OR = 259,                      /* "||"  */
    NOT = 260,                     /* "!"  */
    LPAREN = 261,                  /* "("  */
    RPAREN = 262,                  /* ")"  */
    CMP = 263,                     /* "comparison"  */
    NUMBER = 264,                  /* "number"  */
    STRING = 265,                  /* "string"  */
    IDENT = 266,                   /* "field name"  */
    BADCHAR = 267,                 /* "unexpected character"  */
    BADSTRING = 268,               /* "unterminated string"  */
    BADNUMBER = 269,               /* "number out of range"  */
    NOMEM = 270                    /* "out of memory"  */
  };
  typedef enum fx_tokentype fx_token_kind_t;
#endif

/* Value type.  */
#if ! defined FX_STYPE && ! defined FX_STYPE_IS_DECLARED
union FX_STYPE
{

    long long number;
    char *text;
    filter_op op;
    filter_node *node;


};
typedef union FX_STYPE FX_STYPE;
# define FX_STYPE_IS_TRIVIAL 1
# define FX_STYPE_IS_DECLARED 1
#endif

/* Location type.  */
#if ! defined FX_LTYPE && ! defined FX_LTYPE_IS_DECLARED
typedef struct FX_LTYPE FX_LTYPE;
struct FX_LTYPE
{
  int first_line;
  int first_column;
  int last_line;
  int last_column;
};
# define FX_LTYPE_IS_DECLARED 1
# define FX_LTYPE_IS_TRIVIAL 1
#endif




int fx_parse (void *scanner, filter_node **result);


#endif /* !YY_FX_FILTER_TAB_H_INCLUDED  */
