//! The safe API (work in progress).
