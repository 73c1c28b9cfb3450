//! Lossless Dockerfile parser with byte spans.
//!
//! It follows BuildKit's parser (`frontend/dockerfile/parser`): line based,
//! parser directives first, line continuations with the active escape
//! character, comment and blank lines inside continuations skipped, heredocs
//! read after the instruction line, and the per-instruction argument parsers
//! (exec form only when the text is a valid JSON array of strings). On top of
//! what BuildKit keeps, every byte of the input belongs to exactly one
//! [`Piece`], and every word knows its byte range in the source, so fixes can
//! edit text in place and leave the rest byte-identical.

mod json;
mod parser;
pub mod words;

use std::borrow::Cow;
use std::ops::Range;

pub use json::{
    array as json_array, parse_array, quote as json_quote, trailing_text as json_trailing_text,
    JsonArray,
};
pub use parser::parse;

/// What a piece of the source text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    /// The UTF-8 byte order mark at the start of the file.
    Bom,
    /// White space at the start of a line, before a comment or instruction.
    Indent,
    /// A line with nothing but white space (outside or inside an instruction).
    Blank,
    /// A comment line, including its `#`.
    Comment,
    /// A parser directive line (`# escape=`, `# syntax=`, `# check=`).
    Directive,
    /// Instruction text that is part of the logical line.
    Code,
    /// A line-continuation escape character and the blanks after it.
    Continuation,
    /// The end of a line (`\n`, `\r\n`, or several `\r` before `\n`).
    Newline,
    /// The lines of a heredoc body.
    HeredocBody,
    /// The heredoc terminator line's text.
    HeredocEnd,
}

/// A span of the source with its kind. The pieces of a [`Dockerfile`] tile the
/// input: concatenated in order they give it back byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// What the text is.
    pub kind: PieceKind,
    /// Where it is in the source.
    pub span: Range<usize>,
}

/// The pieces of a file, stored compactly: as they tile the input, each one
/// is its kind and its end offset (it starts where the one before ended).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pieces {
    ends: Vec<u32>,
    kinds: Vec<PieceKind>,
}

impl Pieces {
    /// Append a piece that starts where the last one ended. Empty spans are
    /// not kept.
    pub(crate) fn push(&mut self, kind: PieceKind, span: Range<usize>) {
        if span.is_empty() {
            return;
        }
        debug_assert_eq!(span.start, self.ends.last().map_or(0, |&e| e as usize));
        // The parser refuses inputs of 4 GiB or more, so the end fits.
        self.ends.push(u32::try_from(span.end).unwrap_or(u32::MAX));
        self.kinds.push(kind);
    }

    /// The number of pieces.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are none (only for an empty input).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The `i`-th piece.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<Piece> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(Piece {
            kind: self.kinds[i],
            span: start..end,
        })
    }

    /// The pieces in order, with their spans.
    #[must_use]
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Piece> + ExactSizeIterator + '_ {
        (0..self.len()).map(|i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
            Piece {
                kind: self.kinds[i],
                span: start..self.ends[i] as usize,
            }
        })
    }
}

/// A parser directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive<'s> {
    /// Lower-cased name: `syntax`, `escape` or `check`.
    pub name: Cow<'s, str>,
    /// The value, trimmed (a slice of the source).
    pub value: &'s str,
    /// The directive's text, from `#` to the end of the line.
    pub span: Range<usize>,
}

/// A word of an instruction with its processed value and source span.
///
/// The value borrows the source when it is the text of its span; it is owned
/// only when it differs (quotes removed, escapes applied, or a word joined
/// across a line continuation).
#[derive(Clone, PartialEq, Eq)]
pub struct Word<'s> {
    /// The value as BuildKit keeps it.
    pub value: Cow<'s, str>,
    /// See [`Word::span`].
    span: Span32,
}

impl<'s> Word<'s> {
    /// A word of the value `value` at the source span `span`.
    pub(crate) fn new(value: Cow<'s, str>, span: &Range<usize>) -> Word<'s> {
        Word {
            value,
            span: Span32::new(span),
        }
    }

    /// Where the word is in the source.
    #[must_use]
    pub fn span(&self) -> Range<usize> {
        self.span.get()
    }
}

impl std::fmt::Debug for Word<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Word")
            .field("value", &self.value)
            .field("span", &self.span())
            .finish()
    }
}

/// An instruction flag such as `--from=build`.
#[derive(Clone, PartialEq, Eq)]
pub struct Flag<'s> {
    /// As BuildKit keeps it: `--from=build` (quotes removed).
    pub text: Cow<'s, str>,
    /// Where the flag is in the source.
    pub span: Range<usize>,
    /// Where the name is in `text` (the value, if any, follows its `=`).
    name: Span32,
}

impl<'s> Flag<'s> {
    /// A flag of the text `text` (`--from=build`, `--link`) at `span`.
    pub(crate) fn new(text: Cow<'s, str>, span: Range<usize>) -> Flag<'s> {
        let dashes = text.len() - text.trim_start_matches('-').len();
        let end = text[dashes..]
            .find('=')
            .map_or(text.len(), |eq| dashes + eq);
        Flag {
            name: Span32::new(&(dashes..end)),
            text,
            span,
        }
    }

    /// The name: `from`.
    #[must_use]
    pub fn name(&self) -> &str {
        self.text.get(self.name.get()).unwrap_or("")
    }

    /// The value: `Some("build")`, or `None` for a bare `--link`.
    #[must_use]
    pub fn value(&self) -> Option<&str> {
        self.text.get(self.name.end as usize..)?.strip_prefix('=')
    }
}

impl std::fmt::Debug for Flag<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flag")
            .field("text", &self.text)
            .field("name", &self.name())
            .field("value", &self.value())
            .field("span", &self.span)
            .finish()
    }
}

/// The known instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    StopSignal,
    User,
    Volume,
    Workdir,
    /// Anything else (BuildKit parses it and ignores its arguments).
    Unknown,
}

impl Kind {
    /// The kind of a keyword, case-insensitively.
    #[must_use]
    pub fn from_keyword(k: &str) -> Kind {
        const KINDS: [(&str, Kind); 18] = [
            ("add", Kind::Add),
            ("arg", Kind::Arg),
            ("cmd", Kind::Cmd),
            ("copy", Kind::Copy),
            ("entrypoint", Kind::Entrypoint),
            ("env", Kind::Env),
            ("expose", Kind::Expose),
            ("from", Kind::From),
            ("healthcheck", Kind::Healthcheck),
            ("label", Kind::Label),
            ("maintainer", Kind::Maintainer),
            ("onbuild", Kind::Onbuild),
            ("run", Kind::Run),
            ("shell", Kind::Shell),
            ("stopsignal", Kind::StopSignal),
            ("user", Kind::User),
            ("volume", Kind::Volume),
            ("workdir", Kind::Workdir),
        ];
        // Case-insensitive without allocating a lower-case copy.
        KINDS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(k))
            .map_or(Kind::Unknown, |&(_, kind)| kind)
    }
}

/// An instruction's arguments, shaped by BuildKit's per-instruction parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args<'s> {
    /// No arguments at all.
    None,
    /// Exec (JSON) form: a valid JSON array of strings. `span`s cover each
    /// string literal including its quotes.
    Exec(Vec<Word<'s>>),
    /// Shell form text (RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK's command).
    /// `json_error` is set when the text starts with `[` but is not a valid
    /// JSON array, so Docker runs it through the shell.
    Shell {
        /// The text, as written on the logical line (its value is read
        /// from the source with [`ShellText::value`]).
        text: ShellText,
        /// Why the text is not a JSON array although it starts with `[`.
        json_error: Option<Box<str>>,
    },
    /// White-space separated words (FROM, EXPOSE, and ADD/COPY/VOLUME in
    /// shell form).
    List(Vec<Word<'s>>),
    /// `parseWords` output, quotes kept (ARG).
    Words(Vec<Word<'s>>),
    /// ENV and LABEL: key/value pairs. `legacy` is the `ENV key value` form.
    /// Values keep their quotes, as BuildKit leaves them.
    KeyValues {
        /// Keys and values in order.
        pairs: Vec<(Word<'s>, Word<'s>)>,
        /// `ENV key value` (one pair, the value is the rest of the line).
        legacy: bool,
    },
    /// HEALTHCHECK: its type word (`CMD`, `NONE`) and command.
    Health {
        /// `CMD` or `NONE` as written.
        kind: Word<'s>,
        /// The command's arguments.
        cmd: Box<Args<'s>>,
    },
    /// ONBUILD and the instruction it carries.
    OnBuild(Box<Instruction<'s>>),
    /// A single string (MAINTAINER, STOPSIGNAL, USER, WORKDIR).
    Text(Word<'s>),
    /// An unknown instruction's arguments, ignored as BuildKit does.
    Ignored,
}

/// Shell form text. Its value is the logical text (continuations joined,
/// comment lines dropped), which the tree does not keep a copy of: it is
/// read from the source by [`ShellText::value`], borrowed when the text is
/// on one physical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellText {
    /// Where the text is in the source.
    pub span: Range<usize>,
    /// Its range in the instruction's logical line.
    range: Span32,
}

impl ShellText {
    /// Shell text at the logical range `range` of an instruction whose line
    /// map is `map`.
    pub(crate) fn new(range: Range<usize>, map: &LineMap) -> ShellText {
        ShellText {
            span: map.range(range.clone()),
            range: Span32::new(&range),
        }
    }

    /// The text as BuildKit keeps it. `ins` is the instruction the text
    /// belongs to (for the text of an `ONBUILD`'s instruction, that one or
    /// the `ONBUILD`: they share the line).
    #[must_use]
    pub fn value<'s>(&self, ins: &Instruction<'s>) -> Cow<'s, str> {
        ins.logical_text(self.range.get())
    }
}

/// A run of the logical line taken from one place in the source:
/// (logical start, source start, length). `u32`: the parser refuses inputs
/// of 4 GiB or more.
type Segment = (u32, u32, u32);

/// The segments of a [`LineMap`]: an instruction on one physical line (most
/// of them) has one, kept inline.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum Segments {
    #[default]
    None,
    One(Segment),
    /// Boxed twice so that the map stays two words wide (a boxed slice is
    /// a fat pointer): the extra allocation is only for multi-line
    /// instructions.
    #[allow(clippy::box_collection)]
    Many(Box<Vec<Segment>>),
}

/// Maps offsets in an instruction's logical line (continuations joined,
/// comment lines dropped) back to source offsets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineMap {
    /// In order, non-empty.
    segments: Segments,
}

/// Offsets below 4 GiB (the parser refuses larger inputs) as `u32`.
fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl LineMap {
    /// A map of the segments (logical start, source start, length), in
    /// logical order; empty ones are dropped.
    pub(crate) fn from_segments(segs: &[(usize, usize, usize)]) -> LineMap {
        let mut kept = segs
            .iter()
            .filter(|s| s.2 > 0)
            .map(|&(l, s, n)| (small(l), small(s), small(n)));
        let segments = match (kept.next(), kept.next()) {
            (None, _) => Segments::None,
            (Some(one), None) => Segments::One(one),
            (Some(a), Some(b)) => {
                let mut v = Vec::with_capacity(segs.len());
                v.extend([a, b]);
                v.extend(kept);
                v.shrink_to_fit();
                Segments::Many(Box::new(v))
            }
        };
        LineMap { segments }
    }

    /// The segments in logical order, as `usize`.
    fn segs(&self) -> &[Segment] {
        match &self.segments {
            Segments::None => &[],
            Segments::One(s) => std::slice::from_ref(s),
            Segments::Many(v) => v,
        }
    }

    /// The segment `i` as `usize`.
    fn seg(&self, i: usize) -> Option<(usize, usize, usize)> {
        self.segs()
            .get(i)
            .map(|&(l, s, n)| (l as usize, s as usize, n as usize))
    }

    /// The segments as `usize`, in logical order.
    fn iter(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        self.segs()
            .iter()
            .map(|&(l, s, n)| (l as usize, s as usize, n as usize))
    }

    /// The number of physical pieces the logical line is made of.
    #[must_use]
    pub fn len(&self) -> usize {
        self.segs().len()
    }

    /// True for the map of an empty logical line.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.segs().is_empty()
    }

    /// Source offset of the character at logical offset `l` (for range starts).
    #[must_use]
    pub fn start(&self, l: usize) -> usize {
        // Segments are in logical order: the first one that ends after `l`.
        let i = self
            .segs()
            .partition_point(|&(ls, _, len)| ls as usize + len as usize <= l);
        match self.seg(i) {
            Some((ls, ss, _)) => ss + l.saturating_sub(ls),
            None => self.iter().last().map_or(0, |(_, ss, len)| ss + len),
        }
    }

    /// Source offset just after logical offset `l - 1` (for range ends).
    #[must_use]
    pub fn end(&self, l: usize) -> usize {
        // The first segment that ends at or after `l`, if `l` is inside it.
        let i = self
            .segs()
            .partition_point(|&(ls, _, len)| (ls as usize + len as usize) < l);
        match self.seg(i) {
            Some((ls, ss, _)) if l > ls => ss + (l - ls),
            _ => self.seg(0).map_or(0, |(_, ss, _)| ss),
        }
    }

    /// Source span of the logical range `r`.
    #[must_use]
    pub fn range(&self, r: Range<usize>) -> Range<usize> {
        if r.is_empty() {
            let p = self.start(r.start);
            return p..p;
        }
        self.start(r.start)..self.end(r.end)
    }

    /// True when the logical range `r` lies in one physical segment, so its
    /// source text equals its logical text.
    #[must_use]
    pub fn is_contiguous(&self, r: Range<usize>) -> bool {
        // Segments are in logical order: only those from the first that ends
        // at or after `r.start` up to the last that starts at or before it
        // can hold it (an empty range at a boundary touches two).
        let i = self
            .segs()
            .partition_point(|&(ls, _, len)| (ls as usize + len as usize) < r.start);
        self.iter()
            .skip(i)
            .take_while(|&(ls, _, _)| ls <= r.start)
            .any(|(ls, _, len)| r.start >= ls && r.end <= ls + len)
    }
}

/// A heredoc attached to RUN, COPY or ADD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc<'s> {
    /// The delimiter word with quotes removed.
    pub name: Cow<'s, str>,
    /// File descriptor before `<<` (0 when none).
    pub fd: u32,
    /// `<<-`: leading tabs are stripped.
    pub chomp: bool,
    /// False when the delimiter was quoted (no expansion).
    pub expand: bool,
    /// The body, lines with their newlines, as BuildKit keeps it (the source
    /// text of `body`).
    pub content: &'s str,
    /// The `<<EOF` word in the instruction line.
    pub marker: Range<usize>,
    /// The body lines (may be empty).
    pub body: Range<usize>,
    /// The terminator line's text (without its newline).
    pub terminator: Range<usize>,
}

/// The parts of an instruction that most instructions do not have, boxed
/// together so that an [`Instruction`] stays small.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Extra<'s> {
    /// See [`Instruction::flags`].
    pub(crate) flags: Vec<Flag<'s>>,
    /// See [`Instruction::heredocs`].
    pub(crate) heredocs: Vec<Heredoc<'s>>,
    /// See [`Instruction::json_trailing`].
    pub(crate) json_trailing: Option<Range<usize>>,
    /// See [`Instruction::has_inner_comments`].
    pub(crate) has_inner_comments: bool,
}

/// A `u32` pair for a range of offsets (the parser refuses inputs of 4 GiB
/// or more, so they fit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Span32 {
    start: u32,
    end: u32,
}

impl Span32 {
    fn new(r: &Range<usize>) -> Span32 {
        Span32 {
            start: small(r.start),
            end: small(r.end),
        }
    }

    fn get(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One instruction.
///
/// Kept small (a 5 MB Dockerfile has some 60,000 of them): offsets and line
/// numbers are stored as `u32` behind accessors, the keyword is read from
/// the source on demand, and the rarely present parts (flags, heredocs,
/// inner comments, text after a JSON array) share one box.
#[derive(Clone, PartialEq, Eq)]
pub struct Instruction<'s> {
    /// The source text the spans point into (see [`Instruction::line`]).
    src: &'s str,
    /// Maps offsets in the logical line ([`Instruction::line`]) to source
    /// offsets.
    pub map: LineMap,
    /// The arguments.
    pub args: Args<'s>,
    /// See [`Instruction::span`].
    span: Span32,
    /// Flags, heredocs and the rest that few instructions have.
    extra: Option<Box<Extra<'s>>>,
    /// Logical range of the keyword.
    keyword_range: Span32,
    /// Logical range of the argument text.
    args_range: Span32,
    /// 1-based first and last line.
    lines: Span32,
    /// Which instruction it is.
    pub kind: Kind,
}

impl std::fmt::Debug for Instruction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The logical line instead of the whole source.
        f.debug_struct("Instruction")
            .field("keyword", &self.keyword())
            .field("kind", &self.kind)
            .field("keyword_span", &self.keyword_span())
            .field("span", &self.span())
            .field("start_line", &self.start_line())
            .field("end_line", &self.end_line())
            .field("line", &self.line())
            .field("map", &self.map)
            .field("flags", &self.flags())
            .field("args", &self.args)
            .field("args_range", &self.args_range())
            .field("heredocs", &self.heredocs())
            .field("has_inner_comments", &self.has_inner_comments())
            .field("json_trailing", &self.json_trailing())
            .finish()
    }
}

impl<'s> Instruction<'s> {
    /// An instruction without flags, heredocs or the other rare parts.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        src: &'s str,
        kind: Kind,
        map: LineMap,
        keyword_range: Range<usize>,
        args: Args<'s>,
        args_range: Range<usize>,
        lines: Range<usize>,
        extra: Extra<'s>,
    ) -> Instruction<'s> {
        let keyword_span = map.range(keyword_range.clone());
        let mut ins = Instruction {
            src,
            map,
            args,
            span: Span32::new(&keyword_span),
            extra: None,
            keyword_range: Span32::new(&keyword_range),
            args_range: Span32::new(&args_range),
            lines: Span32::new(&lines),
            kind,
        };
        ins.set_extra(extra);
        ins
    }

    /// Keep `extra` (boxed only when it holds something).
    pub(crate) fn set_extra(&mut self, extra: Extra<'s>) {
        self.extra = (extra != Extra::default()).then(|| Box::new(extra));
    }

    /// The keyword as written (`cmd`, `CMD`): borrowed from the source unless
    /// a line continuation splits it.
    #[must_use]
    pub fn keyword(&self) -> Cow<'s, str> {
        self.logical_text(self.keyword_range.get())
    }

    /// The text of the logical range `r` of the line: borrowed from the
    /// source when it lies on one physical line.
    #[must_use]
    pub fn logical_text(&self, r: Range<usize>) -> Cow<'s, str> {
        if self.map.is_contiguous(r.clone()) {
            if let Some(s) = self.src.get(self.map.range(r.clone())) {
                return Cow::Borrowed(s);
            }
        }
        match self.line() {
            Cow::Borrowed(l) => Cow::Borrowed(l.get(r).unwrap_or("")),
            Cow::Owned(l) => Cow::Owned(l.get(r).unwrap_or("").to_string()),
        }
    }

    /// From the keyword to the end of the last line that belongs to it
    /// (heredoc terminator included), without the final newline.
    #[must_use]
    pub fn span(&self) -> Range<usize> {
        self.span.get()
    }

    /// Where the keyword is.
    #[must_use]
    pub fn keyword_span(&self) -> Range<usize> {
        self.map.range(self.keyword_range.get())
    }

    /// 1-based first line, as BuildKit counts them.
    #[must_use]
    pub fn start_line(&self) -> usize {
        self.lines.start as usize
    }

    /// 1-based last line, as BuildKit counts them.
    #[must_use]
    pub fn end_line(&self) -> usize {
        self.lines.end as usize
    }

    /// Logical range of the argument text (after keyword and flags, trimmed).
    #[must_use]
    pub fn args_range(&self) -> Range<usize> {
        self.args_range.get()
    }

    /// The flags before the arguments.
    #[must_use]
    pub fn flags(&self) -> &[Flag<'s>] {
        self.extra.as_ref().map_or(&[], |e| &e.flags)
    }

    /// The heredocs, in the order of their markers.
    #[must_use]
    pub fn heredocs(&self) -> &[Heredoc<'s>] {
        self.extra.as_ref().map_or(&[], |e| &e.heredocs)
    }

    /// A comment line sits inside the instruction's continuation lines.
    #[must_use]
    pub fn has_inner_comments(&self) -> bool {
        self.extra.as_ref().is_some_and(|e| e.has_inner_comments)
    }

    /// Exec form with text after the JSON array (`CMD ["a"] # note`):
    /// BuildKit v0.12 ignores that text; the source span of it.
    #[must_use]
    pub fn json_trailing(&self) -> Option<Range<usize>> {
        self.extra.as_ref().and_then(|e| e.json_trailing.clone())
    }

    /// The logical line (BuildKit's `Original`): continuations joined,
    /// comment lines inside them dropped. Borrowed from the source when the
    /// instruction is on one physical line, built on each call otherwise
    /// (the tree keeps no copy).
    #[must_use]
    pub fn line(&self) -> Cow<'s, str> {
        let src = self.src;
        let piece = |(_, s, len): (usize, usize, usize)| src.get(s..s + len).unwrap_or("");
        match self.map.len() {
            0 => Cow::Borrowed(""),
            1 => Cow::Borrowed(self.map.seg(0).map_or("", piece)),
            _ => Cow::Owned(self.map.iter().map(piece).collect()),
        }
    }

    /// The argument text as BuildKit sees it (logical, trimmed).
    #[must_use]
    pub fn args_text(&self) -> Cow<'s, str> {
        self.logical_text(self.args_range())
    }

    /// Source span of the argument text.
    #[must_use]
    pub fn args_span(&self) -> Range<usize> {
        self.map.range(self.args_range())
    }

    /// The first flag named `name` (case-insensitive).
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<&Flag<'s>> {
        self.flags()
            .iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

/// A parsed Dockerfile, borrowing the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile<'s> {
    /// The escape character in force (`\` or `` ` ``).
    pub escape: char,
    /// The parser directives at the top.
    pub directives: Vec<Directive<'s>>,
    /// The instructions in order.
    pub instructions: Vec<Instruction<'s>>,
    /// Every byte of the input, in order.
    pub pieces: Pieces,
}

impl Default for Dockerfile<'_> {
    fn default() -> Self {
        Dockerfile {
            escape: '\\',
            directives: Vec::new(),
            instructions: Vec::new(),
            pieces: Pieces::default(),
        }
    }
}

impl Dockerfile<'_> {
    /// Standalone comment lines (not inside an instruction), with their spans.
    pub fn comments<'a>(
        &'a self,
        text: &'a str,
    ) -> impl Iterator<Item = (Range<usize>, &'a str)> + 'a {
        self.pieces
            .iter()
            .filter(|p| p.kind == PieceKind::Comment)
            .map(move |p| (p.span.clone(), &text[p.span]))
    }
}

/// Why a Dockerfile could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// Byte offset the error points at.
    pub offset: usize,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::LineMap;

    /// The lookups by binary search agree with their linear definitions on
    /// maps with gaps between segments, for every offset and range.
    #[test]
    fn line_map_lookups_match_linear_definitions() {
        // Logical "abc" + "de" + "f" taken from source offsets 10, 20, 30.
        let map = LineMap::from_segments(&[(0, 10, 3), (3, 20, 0), (3, 20, 2), (5, 30, 1)]);
        let segs: Vec<_> = map.iter().collect();
        let start = |l: usize| {
            segs.iter()
                .find(|&&(ls, _, len)| l < ls + len)
                .map_or(31, |&(ls, ss, _)| ss + l.saturating_sub(ls))
        };
        let end = |l: usize| {
            segs.iter()
                .find(|&&(ls, _, len)| l <= ls + len && l > ls)
                .map_or(10, |&(ls, ss, _)| ss + (l - ls))
        };
        for l in 0..8 {
            assert_eq!(map.start(l), start(l), "start({l})");
            assert_eq!(map.end(l), end(l), "end({l})");
            for e in l..8 {
                let linear = segs.iter().any(|&(ls, _, len)| l >= ls && e <= ls + len);
                assert_eq!(map.is_contiguous(l..e), linear, "{l}..{e}");
            }
        }
    }
}

#[cfg(test)]
mod size_tests {
    use super::{Args, Flag, Instruction, LineMap, ShellText, Word};
    use std::mem::size_of;

    /// The tree stays small: a 5 MB Dockerfile has some 60,000
    /// instructions and 110,000 words (issue 15: peak memory at most 5x the
    /// file).
    #[test]
    fn node_sizes() {
        assert!(
            size_of::<LineMap>() <= 16,
            "LineMap {}",
            size_of::<LineMap>()
        );
        assert!(size_of::<Flag>() <= 48, "Flag {}", size_of::<Flag>());
        assert!(size_of::<Word>() <= 32, "Word {}", size_of::<Word>());
        assert!(size_of::<Args>() <= 48, "Args {}", size_of::<Args>());
        assert!(
            size_of::<ShellText>() <= 24,
            "ShellText {}",
            size_of::<ShellText>()
        );
        assert!(
            size_of::<Instruction>() <= 136,
            "Instruction {}",
            size_of::<Instruction>()
        );
    }
}
