//! Inflating gzip logs. A file of one gzip member whose trailer states a size within the cap (what
//! CloudTrail, Fluent Bit and `gzip` write) is inflated whole by libdeflate into a buffer of
//! exactly that size, four times faster than a streaming decoder. Everything else (several
//! members, a trailer that lies, a size over the cap, corrupt data) goes through flate2's
//! streaming decoder, which reads at most one byte past the cap, so the cap always holds and every
//! error is reported the same way.

use flate2::read::MultiGzDecoder;
use libdeflate_sys::{
    libdeflate_alloc_decompressor, libdeflate_decompressor, libdeflate_free_decompressor,
    libdeflate_gzip_decompress_ex, libdeflate_result_LIBDEFLATE_SUCCESS,
};
use std::io::Read;
use std::ptr::NonNull;

/// Why gzip data could not be inflated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InflateError {
    /// The data is not valid gzip.
    Invalid(String),
    /// The data inflates to more than the cap.
    OverCap,
}

/// The inflated bytes of `gzip` (one or more gzip members), or an error when the data is invalid
/// or inflates to more than `max_inflated` bytes.
pub fn gunzip(gzip: &[u8], max_inflated: u64) -> Result<Vec<u8>, InflateError> {
    if let Some(inflated) = single_member(gzip, max_inflated) {
        return Ok(inflated);
    }
    let mut inflated = Vec::with_capacity(size_hint(gzip, max_inflated));
    MultiGzDecoder::new(gzip)
        .take(max_inflated.saturating_add(1))
        .read_to_end(&mut inflated)
        .map_err(|error| InflateError::Invalid(error.to_string()))?;
    if inflated.len() as u64 > max_inflated {
        return Err(InflateError::OverCap);
    }
    Ok(inflated)
}

/// The size the gzip trailer states: the last member's size modulo 2^32.
fn trailer_size(gzip: &[u8]) -> Option<u64> {
    gzip.last_chunk::<4>()
        .map(|trailer| u64::from(u32::from_le_bytes(*trailer)))
}

/// What to reserve for the streaming decoder: the trailer's size, capped so that a lying trailer
/// cannot make nhi reserve much.
fn size_hint(gzip: &[u8], max_inflated: u64) -> usize {
    const MOST_RESERVED: u64 = 64 << 20;
    let size = trailer_size(gzip).unwrap_or(0);
    usize::try_from(size.min(max_inflated).min(MOST_RESERVED)).unwrap_or(0)
}

/// `gzip` inflated by libdeflate when it is exactly one member that inflates to the size its
/// trailer states, within the cap; `None` leaves the data to the streaming decoder.
fn single_member(gzip: &[u8], max_inflated: u64) -> Option<Vec<u8>> {
    let size = usize::try_from(trailer_size(gzip)?.min(max_inflated + 1)).ok()?;
    if size as u64 > max_inflated {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(size);
    let (mut consumed, mut written) = (0usize, 0usize);
    let result = DECOMPRESSOR.with(|decompressor| {
        // SAFETY: the decompressor is valid for this thread's lifetime and used by one call at
        // a time; `gzip` is readable for its length and `out` writable for `size` bytes, and
        // libdeflate writes at most `out_nbytes_avail` bytes and reads nothing else.
        unsafe {
            libdeflate_gzip_decompress_ex(
                decompressor.0.as_ptr(),
                gzip.as_ptr().cast(),
                gzip.len(),
                out.as_mut_ptr().cast(),
                size,
                &mut consumed,
                &mut written,
            )
        }
    });
    if result != libdeflate_result_LIBDEFLATE_SUCCESS || consumed != gzip.len() || written > size {
        return None;
    }
    // SAFETY: libdeflate reported success and wrote `written` (at most `size`, the capacity)
    // initialised bytes at the start of `out`.
    unsafe { out.set_len(written) };
    Some(out)
}

/// One libdeflate decompressor, owned by one thread.
struct Decompressor(NonNull<libdeflate_decompressor>);

impl Drop for Decompressor {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `libdeflate_alloc_decompressor` and is freed once.
        unsafe { libdeflate_free_decompressor(self.0.as_ptr()) }
    }
}

thread_local! {
    static DECOMPRESSOR: Decompressor = Decompressor(
        // SAFETY: allocating a decompressor has no preconditions; it returns null only when
        // out of memory, which `expect` turns into the same abort as any failed allocation.
        NonNull::new(unsafe { libdeflate_alloc_decompressor() })
            .expect("out of memory allocating a gzip decompressor"),
    );
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    /// `bytes` as one gzip member (for the tests of this and the input module).
    pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn one_member_inflates_whole_and_several_members_all_inflate() {
        let text = b"{\"Records\": []}\n".repeat(1000);
        let one = gzip(&text);
        assert_eq!(single_member(&one, 1 << 20).as_deref(), Some(&text[..]));
        assert_eq!(gunzip(&one, 1 << 20).unwrap(), text);
        // Two identical members: the first alone matches the file's trailer, yet both count.
        let two = [one.clone(), one.clone()].concat();
        assert_eq!(single_member(&two, 1 << 20), None);
        assert_eq!(
            gunzip(&two, 1 << 20).unwrap(),
            [&text[..], &text[..]].concat()
        );
        assert_eq!(gunzip(&gzip(b""), 10).unwrap(), b"");
    }

    #[test]
    fn a_lying_trailer_or_a_bomb_goes_to_the_capped_streaming_decoder() {
        let text = vec![b' '; 1 << 20];
        let mut lying = gzip(&text);
        let end = lying.len();
        lying[end - 4..].copy_from_slice(&100u32.to_le_bytes());
        assert_eq!(single_member(&lying, 1 << 30), None);
        assert!(matches!(
            gunzip(&lying, 1 << 30),
            Err(InflateError::Invalid(_))
        ));
        assert_eq!(gunzip(&gzip(&text), 1000), Err(InflateError::OverCap));
        assert_eq!(gunzip(&gzip(&text), 1 << 20).unwrap().len(), 1 << 20);
    }

    #[test]
    fn truncated_or_corrupt_data_is_an_error() {
        let whole = gzip(&b"abc".repeat(10_000));
        for end in [2, 5, 10, whole.len() / 2, whole.len() - 1] {
            assert!(gunzip(&whole[..end], 1 << 20).is_err(), "cut at {end}");
        }
        let mut flipped = whole.clone();
        flipped[20] ^= 0xff;
        assert!(gunzip(&flipped, 1 << 20).is_err());
    }
}
