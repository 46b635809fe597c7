//! Numeric arrays stored as one run of little-endian bytes, for the large
//! parts of a model file (weights, IDF, lookup tables). serde writes a
//! `Vec<f32>` element by element; as bytes, postcard writes and reads it in
//! one copy, which is what makes a 30 MB model load in milliseconds.

use serde::de::{Deserializer, Error, Visitor};
use serde::ser::Serializer;

/// A number type stored little-endian.
pub(crate) trait Le: Copy {
    /// Bytes per value.
    const SIZE: usize;
    /// Appends the value's bytes (big-endian hosts encode with it).
    #[cfg_attr(target_endian = "little", allow(dead_code))]
    fn put(self, out: &mut Vec<u8>);
    /// The value of `SIZE` bytes (big-endian hosts decode with it).
    #[cfg_attr(target_endian = "little", allow(dead_code))]
    fn get(bytes: &[u8]) -> Self;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline]
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            #[inline]
            fn get(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().expect("SIZE bytes"))
            }
        }
    )*};
}

le!(u32, u64, u128, f32);

thread_local! {
    /// Set while a model is decoded from its own file mapping: the pages of
    /// an array already copied out are given back at once, so loading a
    /// large model never holds the file and its decoded copy in memory
    /// together.
    static RELEASE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with the pages of decoded arrays given back to the kernel.
/// Only for bytes that are a private read-only file mapping the caller
/// drops afterwards: the pages are read again from the file if touched.
pub(crate) fn releasing<T>(f: impl FnOnce() -> T) -> T {
    RELEASE.with(|r| r.set(true));
    let out = f();
    RELEASE.with(|r| r.set(false));
    out
}

/// Gives back the whole pages inside `bytes`, under [`releasing`].
fn release(bytes: &[u8]) {
    #[cfg(unix)]
    if RELEASE.with(|r| r.get()) {
        const PAGE: usize = 4096;
        let start = (bytes.as_ptr() as usize).div_ceil(PAGE) * PAGE;
        let end = (bytes.as_ptr() as usize + bytes.len()) / PAGE * PAGE;
        if end > start {
            // SAFETY: the range lies inside `bytes`, which under `releasing`
            // is a read-only file mapping: MADV_DONTNEED drops its pages from
            // this process, and a later read faults them in from the file
            // again, unchanged.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = bytes;
}

/// The values of `bytes` (a whole number of `T::SIZE` chunks).
fn from_bytes<T: Le>(bytes: &[u8]) -> Vec<T> {
    let n = bytes.len() / T::SIZE;
    #[cfg(target_endian = "little")]
    {
        let mut out: Vec<T> = Vec::with_capacity(n);
        // SAFETY: on a little-endian host the values' bytes are exactly
        // their in-memory representation; every T here (u32, u64, u128,
        // f32) is valid for any bit pattern; `out` has room for n values
        // and does not overlap `bytes`.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.as_mut_ptr() as *mut u8, n * T::SIZE);
            out.set_len(n);
        }
        out
    }
    #[cfg(not(target_endian = "little"))]
    {
        bytes.chunks_exact(T::SIZE).map(T::get).collect()
    }
}

/// Serializes `values` as one byte string.
pub(crate) fn serialize<T: Le, S: Serializer>(values: &[T], s: S) -> Result<S::Ok, S::Error> {
    #[cfg(target_endian = "little")]
    {
        // SAFETY: on a little-endian host the values' in-memory bytes are
        // their little-endian encoding; u32, u64, u128 and f32 have no
        // padding, and the slice covers exactly `values`.
        let bytes = unsafe {
            std::slice::from_raw_parts(values.as_ptr() as *const u8, std::mem::size_of_val(values))
        };
        s.serialize_bytes(bytes)
    }
    #[cfg(not(target_endian = "little"))]
    {
        let mut bytes = Vec::with_capacity(values.len() * T::SIZE);
        for &v in values {
            v.put(&mut bytes);
        }
        s.serialize_bytes(&bytes)
    }
}

/// Deserializes what [`serialize`] wrote.
pub(crate) fn deserialize<'de, T: Le, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    struct Bytes<T>(std::marker::PhantomData<T>);
    impl<'de, T: Le> Visitor<'de> for Bytes<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "a byte string of {}-byte values", T::SIZE)
        }

        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Vec<T>, E> {
            if !v.len().is_multiple_of(T::SIZE) {
                return Err(E::custom(format!(
                    "{} bytes is not a whole number of {}-byte values",
                    v.len(),
                    T::SIZE
                )));
            }
            Ok(from_bytes(v))
        }

        fn visit_borrowed_bytes<E: Error>(self, v: &'de [u8]) -> Result<Vec<T>, E> {
            let values = self.visit_bytes(v)?;
            release(v);
            Ok(values)
        }

        fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<Vec<T>, E> {
            self.visit_bytes(&v)
        }
    }
    d.deserialize_bytes(Bytes(std::marker::PhantomData))
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Arrays {
        #[serde(with = "super")]
        f: Vec<f32>,
        #[serde(with = "super")]
        w: Vec<u128>,
        tail: u8,
    }

    #[test]
    fn arrays_round_trip_as_bytes() {
        let a = Arrays {
            f: vec![1.5, -0.25, f32::MAX],
            w: vec![1, u128::MAX],
            tail: 7,
        };
        let bytes = postcard::to_stdvec(&a).unwrap();
        // One length byte and the raw bytes per array.
        assert_eq!(bytes.len(), 1 + 12 + 1 + 32 + 1);
        assert_eq!(postcard::from_bytes::<Arrays>(&bytes).unwrap(), a);
        let mut broken = bytes.clone();
        broken[0] = 11;
        assert!(postcard::from_bytes::<Arrays>(&broken).is_err());
    }
}
