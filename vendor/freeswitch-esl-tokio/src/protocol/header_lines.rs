//! The lines of a `Key: value` header block, each with where its first
//! colon is, found sixteen bytes per step (dialbridge patch, PATCHES.md
//! item 11). The outbound `connect` reply alone is 150–200 lines of channel
//! data; `str::lines` and then `split_once(':')` searched each line twice a
//! byte at a time.

/// The lines of `block` as [`str::lines`] gives them (split at `\n`, a
/// `\r` before it dropped, no empty line after a final `\n`), each with the
/// index of its first `:` in the line, if any.
pub(super) fn header_lines(block: &str) -> impl Iterator<Item = (&str, Option<usize>)> {
    let b = block.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= b.len() {
            return None;
        }
        let line_start = start;
        let first = find_either(b, start, b':', b'\n');
        let (colon, end) = match first {
            Some(at) if b[at] == b':' => {
                (Some(at - line_start), find_either(b, at + 1, b'\n', b'\n'))
            }
            other => (None, other),
        };
        let (end, line_end) = match end {
            // As `str::lines`: one `\r` before the `\n` is not the line's.
            Some(end) if end > line_start && b[end - 1] == b'\r' => (end, end - 1),
            Some(end) => (end, end),
            None => (b.len(), b.len()),
        };
        start = end + 1;
        // `:`, `\r` and `\n` are ASCII: both ends are character boundaries.
        Some((&block[line_start..line_end], colon))
    })
}

/// The index of the first byte at or after `from` equal to `x` or `y`.
fn find_either(b: &[u8], mut from: usize, x: u8, y: u8) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of the x86_64 baseline, so its intrinsics may
        // run; each load reads the 16 bytes from `from`, which are within
        // `b` (checked by the loop), unaligned.
        unsafe {
            let xs = _mm_set1_epi8(x as i8);
            let ys = _mm_set1_epi8(y as i8);
            while from
                .checked_add(16)
                .is_some_and(|end| end <= b.len())
            {
                let v = _mm_loadu_si128(
                    b.as_ptr()
                        .add(from)
                        .cast(),
                );
                let found = _mm_or_si128(_mm_cmpeq_epi8(v, xs), _mm_cmpeq_epi8(v, ys));
                let mask = _mm_movemask_epi8(found) as u32;
                if mask != 0 {
                    return Some(from + mask.trailing_zeros() as usize);
                }
                from += 16;
            }
        }
    }
    b.get(from..)?
        .iter()
        .position(|&c| c == x || c == y)
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the block, the lines and colons are those of `str::lines`
    /// and `find(':')`: blocks of every length up to 70 built from the bytes
    /// that matter, at every position.
    #[test]
    fn the_lines_are_those_of_str_lines() {
        let alphabet = ["a", ":", "\n", "\r", "é", " "];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..70 {
            for _ in 0..200 {
                let mut block = String::new();
                for _ in 0..len {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    block.push_str(alphabet[(seed % alphabet.len() as u64) as usize]);
                }
                let expected: Vec<(&str, Option<usize>)> = block
                    .lines()
                    .map(|l| (l, l.find(':')))
                    .collect();
                let got: Vec<(&str, Option<usize>)> = header_lines(&block).collect();
                assert_eq!(got, expected, "{block:?}");
            }
        }
    }

    #[test]
    fn the_first_of_two_bytes_is_found_at_every_position() {
        for len in 0..50usize {
            for at in 0..len {
                let mut b = vec![b'a'; len];
                b[at] = b'\n';
                if at + 2 < len {
                    b[at + 2] = b':';
                }
                for from in 0..=len.min(20) {
                    let expected = b
                        .iter()
                        .skip(from)
                        .position(|&c| c == b':' || c == b'\n')
                        .map(|p| from + p);
                    assert_eq!(
                        find_either(&b, from, b':', b'\n'),
                        expected,
                        "{b:?} from {from}"
                    );
                }
            }
        }
        assert_eq!(find_either(b"abc", 4, b'a', b'b'), None);
    }
}
