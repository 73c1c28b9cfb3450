//! Byte offsets and LSP positions: a line and a column counted in UTF-16
//! code units (the protocol's default) or in bytes (`positionEncoding`
//! `utf-8`, when the client offers it).
//!
//! Lines end at `\n`, `\r\n` or a lone `\r`, as LSP says (dsig's own
//! [`crate::diagnostic::LineIndex`] ends them at `\n` only).

use lsp_types::{Position, Range};

/// How columns are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// The line starts of one text.
#[derive(Debug, Clone)]
pub struct LineMap {
    /// 0, then the offset after each line break.
    starts: Vec<usize>,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl LineMap {
    #[must_use]
    pub fn new(text: &str) -> LineMap {
        let b = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\n' => starts.push(i + 1),
                b'\r' => {
                    if b.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    starts.push(i + 1);
                }
                _ => {}
            }
            i += 1;
        }
        LineMap { starts }
    }

    /// The position of byte `offset` of `text` (the text the map was built
    /// from), clamped to it and to a character boundary.
    #[must_use]
    pub fn position(&self, text: &str, offset: usize, enc: Encoding) -> Position {
        let offset = crate::diagnostic::clamp_offset(text, offset);
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let seg = &text[self.starts[line]..offset];
        let character = match enc {
            Encoding::Utf8 => seg.len(),
            Encoding::Utf16 => seg.encode_utf16().count(),
        };
        Position {
            line: to_u32(line),
            character: to_u32(character),
        }
    }

    /// [`LineMap::position`] of both ends.
    #[must_use]
    pub fn range(&self, text: &str, span: std::ops::Range<usize>, enc: Encoding) -> Range {
        Range {
            start: self.position(text, span.start, enc),
            end: self.position(text, span.end.max(span.start), enc),
        }
    }

    /// The byte offset of `pos`: a line past the end is the end of the
    /// text, a column past the line's end is its end (before the line
    /// break), a column inside a character is that character's start.
    #[must_use]
    pub fn offset(&self, text: &str, pos: Position, enc: Encoding) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return text.len();
        };
        let next = self
            .starts
            .get(pos.line as usize + 1)
            .copied()
            .unwrap_or(text.len());
        let line = text[start..next].trim_end_matches(['\n', '\r']);
        let want = pos.character as usize;
        let mut units = 0;
        for (i, c) in line.char_indices() {
            let w = match enc {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
            if units + w > want {
                return start + i;
            }
            units += w;
        }
        start + line.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn utf16_utf8_and_line_breaks() {
        // `é` is 2 bytes, 1 unit; `𝄞` is 4 bytes, 2 units.
        let text = "aé𝄞b\r\nx\ry\nz";
        let map = LineMap::new(text);
        let b = text.find('b').unwrap();
        assert_eq!(map.position(text, b, Encoding::Utf16), pos(0, 4));
        assert_eq!(map.position(text, b, Encoding::Utf8), pos(0, 7));
        let y = text.find('y').unwrap();
        assert_eq!(map.position(text, y, Encoding::Utf16), pos(2, 0));
        let z = text.find('z').unwrap();
        assert_eq!(map.position(text, z, Encoding::Utf16), pos(3, 0));
        assert_eq!(map.position(text, 999, Encoding::Utf16), pos(3, 1));
        // Inside `é`: its start.
        assert_eq!(map.position(text, 2, Encoding::Utf8), pos(0, 1));
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for offset in [0, 1, 3, b, y, z, text.len()] {
                let p = map.position(text, offset, enc);
                assert_eq!(map.offset(text, p, enc), offset, "{offset} {enc:?}");
            }
        }
        // Past the line's end: before its break; past the last line: the end.
        assert_eq!(map.offset(text, pos(0, 99), Encoding::Utf16), b + 1);
        assert_eq!(map.offset(text, pos(9, 0), Encoding::Utf16), text.len());
        // Between the two units of `𝄞`: its start.
        assert_eq!(map.offset(text, pos(0, 3), Encoding::Utf16), 3);
    }
}
