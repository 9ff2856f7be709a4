//! Bytes to a photo and its facts: format sniffing, the container probes (JFIF, PNG, BMP,
//! EXIF), the JPEG scan walk, bounded decoding, orientation and flattening. Any outcome but a
//! panic, a hang or a blown memory limit is fine: an `Err` is the answer for a bad file.
#![no_main]

use idphoto::{Limits, Photo};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Smaller than the defaults so each run is quick; the code paths are the same ones.
    let limits = Limits {
        max_pixels: 4_000_000,
        max_decoded_bytes: 32 << 20,
        ..Limits::default()
    };
    if let Ok(photo) = Photo::from_bytes(data, &limits) {
        assert_eq!(
            (photo.image.width(), photo.image.height()),
            (photo.info.width, photo.info.height)
        );
        assert!(photo.image.width() > 0 && photo.image.height() > 0);
    }
});
