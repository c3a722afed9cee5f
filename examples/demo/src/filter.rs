//! Filter expressions such as `size > 10 && name ~ ".log"`: a safe wrapper around the C parser
//! that flex and bison generated from `parser/filter.l` and `parser/filter.y`.
//!
//! [`parse`] gives the syntax tree ([`Expr`]); [`Filter::new`] also checks the field names and
//! value types, and [`Filter::matches`] evaluates it against a file's name and size.

use std::ffi::{c_char, CStr};
use std::fmt;

/// A parsed filter expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// `left && right`
    And(Box<Expr>, Box<Expr>),
    /// `left || right`
    Or(Box<Expr>, Box<Expr>),
    /// `!expr`
    Not(Box<Expr>),
    /// `field op value`
    Compare { field: String, op: Op, value: Value },
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `~`: the text contains the value.
    Contains,
}

/// The right-hand side of a comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Number(i64),
    Text(String),
}

/// Why a filter was rejected: a message and the byte offset in the expression where it applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    pub message: String,
    pub offset: usize,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for FilterError {}

/// Parses a filter expression.
///
/// # Errors
///
/// [`FilterError`] with the parser's message (e.g. `syntax error, unexpected end of file,
/// expecting number or string`) and the byte offset of the offending token.
pub fn parse(source: &str) -> Result<Expr, FilterError> {
    let mut root: *mut ffi::Node = std::ptr::null_mut();
    let mut message = [0 as c_char; 256];
    let mut offset = 0usize;
    // SAFETY: `source` is valid for `len` bytes (the parser never reads past `len` and needs no
    // NUL); `root`, `message` (with its true length) and `offset` are valid for writes. The
    // parser is reentrant: it keeps no global state, so concurrent calls are fine.
    let rc = unsafe {
        ffi::filter_parse(
            source.as_ptr().cast(),
            source.len(),
            &mut root,
            message.as_mut_ptr(),
            message.len(),
            &mut offset,
        )
    };
    // Owns the C tree from here on, and frees it however this function returns.
    let tree = Tree(root);
    match rc {
        0 if !tree.0.is_null() => {
            // SAFETY: on success `root` is a valid tree made by `filter_parse`, not yet freed.
            Ok(unsafe { convert(&*tree.0) })
        }
        1 => {
            // SAFETY: on a syntax error the parser wrote a NUL-terminated message into `message`.
            let text = unsafe { CStr::from_ptr(message.as_ptr()) };
            Err(FilterError {
                message: text.to_string_lossy().into_owned(),
                offset,
            })
        }
        _ => Err(FilterError {
            message: "expression too deeply nested (or out of memory)".into(),
            offset,
        }),
    }
}

/// A C tree, freed with `filter_free` when dropped.
struct Tree(*mut ffi::Node);

impl Drop for Tree {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `filter_parse` (or is NULL, which `filter_free` allows)
        // and is freed exactly once, here.
        unsafe { ffi::filter_free(self.0) }
    }
}

/// Copies a C tree into Rust values.
///
/// # Safety
///
/// `node` must be part of a tree made by `filter_parse`: the children its kind uses are
/// non-NULL, and a comparison has a NUL-terminated field and (for text) string.
unsafe fn convert(node: &ffi::Node) -> Expr {
    let child = |p: *mut ffi::Node| Box::new(convert(&*p));
    match node.kind {
        ffi::AND => Expr::And(child(node.left), child(node.right)),
        ffi::OR => Expr::Or(child(node.left), child(node.right)),
        ffi::NOT => Expr::Not(child(node.left)),
        _ => Expr::Compare {
            field: CStr::from_ptr(node.field).to_string_lossy().into_owned(),
            op: match node.op {
                ffi::EQ => Op::Eq,
                ffi::NE => Op::Ne,
                ffi::LT => Op::Lt,
                ffi::LE => Op::Le,
                ffi::GT => Op::Gt,
                ffi::GE => Op::Ge,
                _ => Op::Contains,
            },
            value: if node.is_string != 0 {
                Value::Text(CStr::from_ptr(node.string).to_string_lossy().into_owned())
            } else {
                Value::Number(node.number)
            },
        },
    }
}

/// A checked filter over a file's `name` (text) and `size` (number, bytes).
#[derive(Clone, Debug)]
pub struct Filter {
    expr: Expr,
}

impl Filter {
    /// Parses `source` and checks that it only compares `name` with text and `size` with
    /// numbers (`~` only applies to `name`).
    ///
    /// # Errors
    ///
    /// [`FilterError`] for a syntax error, an unknown field or a mistyped comparison.
    pub fn new(source: &str) -> Result<Filter, FilterError> {
        let expr = parse(source)?;
        check(&expr, source)?;
        Ok(Filter { expr })
    }

    /// The syntax tree.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// Whether a file with this name and size passes the filter.
    pub fn matches(&self, name: &str, size: i64) -> bool {
        eval(&self.expr, name, size)
    }
}

fn check(expr: &Expr, source: &str) -> Result<(), FilterError> {
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => check(a, source).and(check(b, source)),
        Expr::Not(a) => check(a, source),
        Expr::Compare { field, op, value } => {
            let offset = source.find(field.as_str()).unwrap_or(0);
            let problem = match (field.as_str(), op, value) {
                ("name", _, Value::Text(_)) => return Ok(()),
                ("size", Op::Contains, _) => "`~` applies to `name` only",
                ("size", _, Value::Number(_)) => return Ok(()),
                ("name", _, Value::Number(_)) => "`name` is text: compare it with a quoted string",
                ("size", _, Value::Text(_)) => {
                    "`size` is a number of bytes: compare it with a number"
                }
                _ => "unknown field: use `name` or `size`",
            };
            Err(FilterError {
                message: format!("`{field}`: {problem}"),
                offset,
            })
        }
    }
}

fn eval(expr: &Expr, name: &str, size: i64) -> bool {
    match expr {
        Expr::And(a, b) => eval(a, name, size) && eval(b, name, size),
        Expr::Or(a, b) => eval(a, name, size) || eval(b, name, size),
        Expr::Not(a) => !eval(a, name, size),
        Expr::Compare { field, op, value } => match (field.as_str(), value) {
            ("name", Value::Text(v)) => compare(name, v.as_str(), *op, |h, n| h.contains(n)),
            ("size", Value::Number(v)) => compare(&size, v, *op, |_, _| false),
            _ => false,
        },
    }
}

fn compare<T: PartialOrd + ?Sized>(
    left: &T,
    right: &T,
    op: Op,
    contains: impl Fn(&T, &T) -> bool,
) -> bool {
    match op {
        Op::Eq => left == right,
        Op::Ne => left != right,
        Op::Lt => left < right,
        Op::Le => left <= right,
        Op::Gt => left > right,
        Op::Ge => left >= right,
        Op::Contains => contains(left, right),
    }
}

/// The C API of `parser/filter.h`, declared by hand (it is five items).
mod ffi {
    use std::ffi::{c_char, c_int, c_longlong};

    pub const AND: c_int = 0;
    pub const OR: c_int = 1;
    pub const NOT: c_int = 2;
    pub const EQ: c_int = 0;
    pub const NE: c_int = 1;
    pub const LT: c_int = 2;
    pub const LE: c_int = 3;
    pub const GT: c_int = 4;
    pub const GE: c_int = 5;

    /// `filter_node`.
    #[repr(C)]
    pub struct Node {
        pub kind: c_int,
        pub op: c_int,
        pub left: *mut Node,
        pub right: *mut Node,
        pub field: *mut c_char,
        pub is_string: c_int,
        pub string: *mut c_char,
        pub number: c_longlong,
    }

    extern "C" {
        pub fn filter_parse(
            src: *const c_char,
            len: usize,
            out: *mut *mut Node,
            err: *mut c_char,
            err_len: usize,
            err_offset: *mut usize,
        ) -> c_int;
        pub fn filter_free(node: *mut Node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(field: &str, op: Op, value: Value) -> Expr {
        Expr::Compare {
            field: field.into(),
            op,
            value,
        }
    }

    #[test]
    fn parses_precedence_and_parentheses() {
        let e = parse(r#"size > 10 && name == "x" || !(name ~ "tmp")"#).unwrap();
        let expected = Expr::Or(
            Box::new(Expr::And(
                Box::new(cmp("size", Op::Gt, Value::Number(10))),
                Box::new(cmp("name", Op::Eq, Value::Text("x".into()))),
            )),
            Box::new(Expr::Not(Box::new(cmp(
                "name",
                Op::Contains,
                Value::Text("tmp".into()),
            )))),
        );
        assert_eq!(e, expected);
    }

    #[test]
    fn parses_every_operator() {
        for (text, op) in [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<", Op::Lt),
            ("<=", Op::Le),
            (">", Op::Gt),
            (">=", Op::Ge),
        ] {
            assert_eq!(
                parse(&format!("size {text} 7")).unwrap(),
                cmp("size", op, Value::Number(7)),
                "{text}"
            );
        }
    }

    #[test]
    fn reports_syntax_errors_with_offset() {
        let err = parse("size > ").unwrap_err();
        assert!(err.message.contains("syntax error"), "{err}");
        assert!(err.message.contains("end of file"), "{err}");
        let err = parse("size > 1 && $").unwrap_err();
        assert!(err.message.contains("unexpected character"), "{err}");
        assert_eq!(err.offset, 12, "{err}");
        let err = parse(r#"name == "open"#).unwrap_err();
        assert!(err.message.contains("unterminated string"), "{err}");
        assert!(parse("size > 99999999999999999999")
            .unwrap_err()
            .message
            .contains("out of range"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}size > 1{}", "(".repeat(20_000), ")".repeat(20_000));
        let err = parse(&deep).unwrap_err();
        assert!(err.message.contains("nested"), "{err}");
    }

    #[test]
    fn checks_fields_and_types() {
        assert!(Filter::new(r#"name ~ ".log" && size >= 0"#).is_ok());
        assert!(Filter::new("owner == 1")
            .unwrap_err()
            .message
            .contains("unknown field"));
        assert!(Filter::new("name == 1")
            .unwrap_err()
            .message
            .contains("quoted string"));
        assert!(Filter::new(r#"size ~ "1""#)
            .unwrap_err()
            .message
            .contains("`~`"));
    }

    #[test]
    fn evaluates() {
        let f = Filter::new(r#"size > 10 && !(name ~ ".gz")"#).unwrap();
        assert!(f.matches("syslog", 11));
        assert!(!f.matches("syslog", 10));
        assert!(!f.matches("syslog.1.gz", 11));
    }

    #[test]
    fn parses_concurrently() {
        let threads: Vec<_> = (0..8)
            .map(|i| std::thread::spawn(move || parse(&format!("size == {i}")).unwrap()))
            .collect();
        for (i, t) in threads.into_iter().enumerate() {
            assert_eq!(
                t.join().unwrap(),
                cmp("size", Op::Eq, Value::Number(i as i64))
            );
        }
    }
}
