//! The buffer handling the compression sys crates' safe encoders and decoders share, and their
//! drivers ([`Encoder`] over a library's [`Compress`], [`Decoder`] over a library's
//! [`Decompress`]): all generic code with no C calls. The crates use it internally; it is public only so that they can.

use std::io::{self, Read, Write};

/// The output (encoder) and input (decoder) buffer size, where the library does not recommend
/// one.
pub const CHUNK: usize = 64 * 1024;

/// An encoder's output side: the buffer the library compresses into and the writer it goes to,
/// which [`Sink::finish`] takes.
pub struct Sink<W: Write> {
    writer: Option<W>,
    /// The output buffer handed to the library.
    pub buf: Vec<u8>,
}

impl<W: Write> Sink<W> {
    /// A sink writing to `writer` through a buffer of `size` bytes.
    pub fn new(writer: W, size: usize) -> Self {
        Sink {
            writer: Some(writer),
            buf: vec![0; size],
        }
    }

    /// The writer.
    pub fn get_ref(&self) -> &W {
        self.writer
            .as_ref()
            .expect("the writer is only taken by finish(self)")
    }

    /// Writes the first `produced` bytes of the buffer to the writer.
    pub fn write_out(&mut self, produced: usize) -> io::Result<()> {
        if produced > 0 {
            let writer = self
                .writer
                .as_mut()
                .expect("the writer is only taken by finish(self)");
            writer.write_all(&self.buf[..produced])?;
        }
        Ok(())
    }

    /// Flushes the writer only (the library keeps what it has not written out yet), so that the
    /// output does not depend on when callers flush.
    pub fn flush(&mut self) -> io::Result<()> {
        match self.writer.as_mut() {
            Some(writer) => writer.flush(),
            None => Ok(()),
        }
    }

    /// Takes the writer, once the end of the stream was written out, and flushes it.
    pub fn finish(&mut self) -> io::Result<W> {
        let mut writer = self
            .writer
            .take()
            .expect("the writer is only taken by finish(self)");
        writer.flush()?;
        Ok(writer)
    }
}

/// An encoder's `Write::write`: hands `data` to `step` until all of it is consumed (`step`
/// returns how many bytes of its argument it consumed) and returns `data.len()`.
fn feed(data: &[u8], mut step: impl FnMut(&[u8]) -> io::Result<usize>) -> io::Result<usize> {
    let mut rest = data;
    while !rest.is_empty() {
        let consumed = step(rest)?;
        rest = &rest[consumed..];
    }
    Ok(data.len())
}

/// What one call of a library's compress function did (see [`Compress`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// Bytes of the input consumed.
    pub consumed: usize,
    /// Bytes of compressed output written into the output buffer.
    pub produced: usize,
    /// When asked to end the stream: whether its end is now written out whole (else the library
    /// has more to write and is called again).
    pub ended: bool,
}

/// What differs between the compression libraries: one call of the library's compress
/// function, on an initialized stream the implementer owns (and ends in its `Drop`).
/// [`Encoder`] does the rest.
pub trait Compress {
    /// Runs the library's compress function once on `input` into `output`: with `end` false,
    /// compressing (the input is never empty then); with `end` true, writing the end of the
    /// stream (no input). A library error is an `Err`; nothing of `output` is written out then.
    fn compress(&mut self, input: &[u8], output: &mut [u8], end: bool) -> io::Result<Step>;
}

/// A compressing [`Write`] adapter over any [`Compress`]: it hands the library everything
/// written, writes what the library produces to `W`, and ends the stream in
/// [`Encoder::finish`]. Flushing flushes `W` only, so that the output does not depend on when
/// callers flush.
pub struct Encoder<C: Compress, W: Write> {
    codec: C,
    sink: Sink<W>,
}

impl<C: Compress, W: Write> Encoder<C, W> {
    /// An encoder compressing with `codec` into `writer`, through an output buffer of `size`
    /// bytes.
    pub fn new(codec: C, writer: W, size: usize) -> Self {
        Encoder {
            codec,
            sink: Sink::new(writer, size),
        }
    }

    /// The writer.
    pub fn get_ref(&self) -> &W {
        self.sink.get_ref()
    }

    /// Runs the library once and writes out what it produced.
    fn step(&mut self, input: &[u8], end: bool) -> io::Result<Step> {
        let step = self.codec.compress(input, &mut self.sink.buf, end)?;
        self.sink.write_out(step.produced)?;
        Ok(step)
    }

    /// Ends the stream, flushes and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        while !self.step(&[], true)?.ended {}
        self.sink.finish()
    }
}

impl<C: Compress, W: Write> Write for Encoder<C, W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        feed(data, |rest| Ok(self.step(rest, false)?.consumed))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sink.flush()
    }
}

/// A decoder's input side: the reader and the buffer of compressed input read ahead from it.
pub struct Source<R: Read> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
}

impl<R: Read> Source<R> {
    /// A source reading from `reader` into a buffer of `size` bytes.
    pub fn new(reader: R, size: usize) -> Self {
        Source {
            reader,
            buf: vec![0; size],
            pos: 0,
            len: 0,
            eof: false,
        }
    }

    /// The reader.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The reader; input read ahead into the buffer is lost.
    pub fn into_inner(self) -> R {
        self.reader
    }

    /// Reads more input if all input read so far was consumed (retrying on `Interrupted`);
    /// returns whether the input is exhausted: nothing unread and the reader at its end.
    pub fn refill(&mut self) -> io::Result<bool> {
        while self.pos == self.len && !self.eof {
            match self.reader.read(&mut self.buf) {
                Ok(n) => {
                    self.pos = 0;
                    self.len = n;
                    self.eof = n == 0;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(self.pos == self.len && self.eof)
    }

    /// The input read but not consumed yet.
    pub fn unread(&self) -> &[u8] {
        &self.buf[self.pos..self.len]
    }

    /// Marks the first `n` bytes of [`Source::unread`] consumed.
    pub fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

/// What differs between the libraries whose decoders read one or several concatenated members
/// (gzip members, bzip2 streams), each decoded by a fresh or reset library stream: the library
/// calls. [`Decoder`] does the rest: reading ahead, concatenation, empty and truncated input.
pub trait Decompress {
    /// Makes the library stream ready to decode (initializes it, if it is not yet); called
    /// before each call of [`Decompress::decompress`].
    fn begin(&mut self) -> io::Result<()>;

    /// Prepares for the next member, after the end of one when more input follows.
    fn next_member(&mut self) -> io::Result<()>;

    /// Runs the library's decompress function once on `input` into `output` (not empty):
    /// returns the bytes of `input` consumed, of `output` produced, and whether the member ended
    /// or the library's error (the counts stand even then).
    fn decompress(&mut self, input: &[u8], output: &mut [u8]) -> (usize, usize, io::Result<bool>);

    /// The crate's error for input with no bytes at all.
    fn empty() -> io::Error;

    /// The crate's error for input that ends inside a member.
    fn truncated() -> io::Error;
}

/// A decompressing [`Read`] adapter over any [`Decompress`]: one member or several
/// concatenated members. Input that ends inside a member is an error
/// ([`Decompress::truncated`]), and so is empty input ([`Decompress::empty`]) and anything
/// after the last member that is not another member.
pub struct Decoder<D: Decompress, R: Read> {
    codec: D,
    source: Source<R>,
    started: bool,
    member_done: bool,
    done: bool,
}

impl<D: Decompress, R: Read> Decoder<D, R> {
    /// A decoder decompressing with `codec` what it reads from `reader` through an input
    /// buffer of `size` bytes.
    pub fn new(codec: D, reader: R, size: usize) -> Self {
        Decoder {
            codec,
            source: Source::new(reader, size),
            started: false,
            member_done: false,
            done: false,
        }
    }

    /// The reader.
    pub fn get_ref(&self) -> &R {
        self.source.get_ref()
    }
}

impl<D: Decompress, R: Read> Read for Decoder<D, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.done {
            return Ok(0);
        }
        loop {
            let at_end = self.source.refill()?;
            if self.member_done {
                if at_end {
                    self.done = true;
                    return Ok(0);
                }
                // Another member follows.
                self.codec.next_member()?;
                self.member_done = false;
            }
            if at_end && !self.started {
                return Err(D::empty());
            }
            self.codec.begin()?;
            let (consumed, produced, ended) = self.codec.decompress(self.source.unread(), out);
            self.source.consume(consumed);
            self.started |= consumed > 0;
            self.member_done = ended?;
            if produced > 0 {
                return Ok(produced);
            }
            if at_end && consumed == 0 && !self.member_done {
                return Err(D::truncated());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The drivers against toy codecs, so that their loops are tested apart from any library:
    //! the real codecs' round trips are in each sys crate's `tests/roundtrip.rs`.

    use super::*;

    /// "Compresses" by copying at most 3 bytes a call, and ends the stream with `;` written one
    /// call after it is asked to (as libraries that need several calls to finish).
    #[derive(Default)]
    struct Copy3 {
        end_calls: usize,
    }

    impl Compress for Copy3 {
        fn compress(&mut self, input: &[u8], output: &mut [u8], end: bool) -> io::Result<Step> {
            if end {
                self.end_calls += 1;
                let ended = self.end_calls == 2;
                if ended {
                    output[0] = b';';
                }
                return Ok(Step {
                    consumed: 0,
                    produced: usize::from(ended),
                    ended,
                });
            }
            let n = input.len().min(3).min(output.len());
            output[..n].copy_from_slice(&input[..n]);
            Ok(Step {
                consumed: n,
                produced: n,
                ended: false,
            })
        }
    }

    #[test]
    fn the_encoder_takes_every_byte_and_finishes_the_stream() {
        let mut encoder = Encoder::new(Copy3::default(), Vec::new(), 2);
        assert_eq!(encoder.write(b"hello world").unwrap(), 11);
        encoder.write_all(b"!").unwrap();
        encoder.flush().unwrap();
        assert_eq!(encoder.get_ref(), b"hello world!");
        assert_eq!(encoder.finish().unwrap(), b"hello world!;");
    }

    #[test]
    fn an_encoder_error_is_returned_and_nothing_is_written() {
        struct Fails;
        impl Compress for Fails {
            fn compress(&mut self, _: &[u8], output: &mut [u8], _: bool) -> io::Result<Step> {
                output[0] = b'x';
                Err(io::Error::other("library refused"))
            }
        }
        let mut encoder = Encoder::new(Fails, Vec::new(), 4);
        let error = encoder.write(b"data").unwrap_err();
        assert_eq!(error.to_string(), "library refused");
        assert!(encoder.get_ref().is_empty());
        assert!(encoder.finish().is_err());
    }

    /// Members are `<text>;`: decodes by copying up to `;`, which ends the member.
    #[derive(Default)]
    struct UntilSemicolon {
        begun: usize,
        members: usize,
    }

    impl Decompress for UntilSemicolon {
        fn begin(&mut self) -> io::Result<()> {
            self.begun += 1;
            Ok(())
        }

        fn next_member(&mut self) -> io::Result<()> {
            self.members += 1;
            Ok(())
        }

        fn decompress(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize, io::Result<bool>) {
            if input.first() == Some(&b'!') {
                return (1, 0, Err(io::Error::new(io::ErrorKind::InvalidData, "bad")));
            }
            match input.iter().position(|&b| b == b';') {
                Some(0) => (1, 0, Ok(true)),
                end => {
                    let n = end.unwrap_or(input.len()).min(out.len());
                    out[..n].copy_from_slice(&input[..n]);
                    (n, n, Ok(false))
                }
            }
        }

        fn empty() -> io::Error {
            io::Error::new(io::ErrorKind::UnexpectedEof, "empty")
        }

        fn truncated() -> io::Error {
            io::Error::new(io::ErrorKind::UnexpectedEof, "truncated")
        }
    }

    /// A reader handing out at most 2 bytes a call, to cross the decoder's buffer refills.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(2).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn decode(input: &[u8]) -> io::Result<String> {
        let mut decoder = Decoder::new(UntilSemicolon::default(), Trickle(input), 3);
        let mut out = String::new();
        decoder.read_to_string(&mut out)?;
        Ok(out)
    }

    #[test]
    fn the_decoder_reads_one_or_several_members() {
        assert_eq!(decode(b"hello;").unwrap(), "hello");
        assert_eq!(decode(b"hello; world;").unwrap(), "hello world");
        let mut decoder = Decoder::new(UntilSemicolon::default(), Trickle(b"a;b;c;"), 3);
        let mut out = Vec::new();
        decoder.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"abc");
        assert_eq!(decoder.codec.members, 2);
        assert_eq!(decoder.read(&mut [0; 4]).unwrap(), 0);
    }

    #[test]
    fn the_decoder_refuses_empty_truncated_and_bad_input() {
        assert_eq!(decode(b"").unwrap_err().to_string(), "empty");
        assert_eq!(decode(b"hello").unwrap_err().to_string(), "truncated");
        assert_eq!(decode(b"one;two").unwrap_err().to_string(), "truncated");
        assert_eq!(decode(b"one;!").unwrap_err().to_string(), "bad");
    }
}
