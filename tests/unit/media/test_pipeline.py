"""The photo pipeline on generated images: what phones send, and what attackers send."""

from __future__ import annotations

import hashlib
import io
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageOps
from PIL.JpegImagePlugin import JpegImageFile

from store.media import (
    Advice,
    JpegOutput,
    PhotoError,
    PhotoErrorCode,
    PhotoLimits,
    ProcessedPhoto,
    process_photo,
)
from store.media.hashing import dhash, hamming_distance
from store.media.jpeg import encode_jpeg
from store.media.pipeline import fit_within
from store.media.upright import UprightResize, upright_in_halves
from tests.unit.media.images import (
    BLUE,
    GREEN,
    RED,
    SRGB_BLUE_D50,
    SRGB_GREEN_D50,
    SRGB_RED_D50,
    STORE_FOR_ORIENTATION,
    YELLOW,
    blurred,
    encode,
    exif_bytes,
    jpeg_with_size,
    ok,
    open_rendition,
    outside_scans,
    photo_jpeg,
    pixel_near,
    png_header_only,
    quadrants,
    rgb_icc_profile,
    textured,
)


def refused(result: ProcessedPhoto | PhotoError) -> PhotoErrorCode:
    assert isinstance(result, PhotoError), result
    return result.code


def assert_upright_quadrants(image: Image.Image) -> None:
    w, h = image.size
    inset_x, inset_y = w // 8, h // 8
    assert pixel_near(image, (inset_x, inset_y), RED)
    assert pixel_near(image, (w - inset_x, inset_y), GREEN)
    assert pixel_near(image, (inset_x, h - inset_y), BLUE)
    assert pixel_near(image, (w - inset_x, h - inset_y), YELLOW)


# --- orientation -------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation: int) -> None:
    upright = quadrants(2400, 1600)  # larger than 1600, so JPEG draft decoding kicks in
    stored = upright
    for method in STORE_FOR_ORIENTATION[orientation]:
        stored = stored.transpose(method)
    data = encode(stored, "JPEG", quality=92, exif=exif_bytes(orientation))
    # The fixture itself is right: Pillow's own exif_transpose shows it upright.
    assert_upright_quadrants(ImageOps.exif_transpose(Image.open(io.BytesIO(data))))

    photo = ok(process_photo(data))

    assert (photo.width, photo.height) == (2400, 1600)
    large = open_rendition(photo.sizes["large"])
    assert large.size == (1600, 1067)
    assert_upright_quadrants(large)
    assert_upright_quadrants(open_rendition(photo.sizes["thumb"]))
    assert large.getexif().get(0x0112) is None


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_a_png_with_its_orientation_before_its_pixels_comes_out_upright(mode: str) -> None:
    # Read from the header: Pillow would decode a whole PNG to look for it after the pixels.
    stored = quadrants(3400, 2000).transpose(Image.Transpose.ROTATE_90).convert(mode)
    data = encode(stored, "PNG", exif=exif_bytes(6), compress_level=1)

    photo = ok(process_photo(data))

    assert (photo.width, photo.height) == (3400, 2000)
    assert_upright_quadrants(open_rendition(photo.sizes["large"]))


def test_draft_decodes_a_sideways_jpeg_at_the_smallest_scale_covering_1600(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drafted: list[tuple[int, int]] = []
    original_draft = JpegImageFile.draft

    def spy(self: JpegImageFile, mode: str | None, size: tuple[int, int] | None) -> object:
        result = original_draft(self, mode, size)
        drafted.append(self.size)
        return result

    monkeypatch.setattr(JpegImageFile, "draft", spy)
    # Stored portrait 3000x4000, shown landscape (orientation 6 rotates it).
    data = encode(quadrants(3000, 4000), "JPEG", exif=exif_bytes(6))

    photo = ok(process_photo(data))

    assert drafted == [(1500, 2000)]  # scale 1/2; 1/4 (750x1000) would not cover 1600
    assert (photo.width, photo.height) == (4000, 3000)
    assert photo.sizes["large"][:2] == (1600, 1200)


def test_draft_target_is_in_stored_axes() -> None:
    assert fit_within((3000, 4000), 1600) == (1200, 1600)
    assert fit_within((4000, 3000), 1600) == (1600, 1200)
    assert fit_within((1000, 700), 1600) == (1000, 700)


# --- sizes and encoding --------------------------------------------------------------------


def test_three_sizes_are_progressive_jpegs_with_the_right_long_side() -> None:
    photo = ok(process_photo(photo_jpeg(4000, 3000)))

    assert {name: r[:2] for name, r in photo.sizes.items()} == {
        "large": (1600, 1200),
        "medium": (800, 600),
        "thumb": (320, 240),
    }
    for rendition in photo.sizes.values():
        assert open_rendition(rendition).info.get("progressive")


def test_small_photos_are_never_upscaled() -> None:
    photo = ok(process_photo(photo_jpeg(1000, 700)))

    assert photo.sizes["large"][:2] == (1000, 700)
    assert photo.sizes["medium"][:2] == (800, 560)
    assert photo.sizes["thumb"][:2] == (320, 224)


def test_baseline_output_when_asked() -> None:
    photo = ok(process_photo(photo_jpeg(), output=JpegOutput(progressive=False)))

    assert not open_rendition(photo.sizes["large"]).info.get("progressive")


def test_quality_is_lowered_until_the_output_fits_the_byte_limit() -> None:
    data = photo_jpeg(2000, 1500)
    default = ok(process_photo(data))
    limit = len(default.sizes["large"].jpeg) * 2 // 3

    capped = ok(process_photo(data, output=JpegOutput(max_bytes=limit)))

    assert all(len(r.jpeg) <= limit for r in capped.sizes.values())
    assert len(capped.sizes["large"].jpeg) < len(default.sizes["large"].jpeg)


def test_outputs_fit_whatsapp_even_for_pure_noise() -> None:
    noise = Image.merge("RGB", [Image.effect_noise((1600, 1600), 120) for _ in range(3)])
    photo = ok(process_photo(encode(noise, "PNG")))

    assert len(photo.sizes["large"].jpeg) <= 5 * 1024 * 1024


# --- colour --------------------------------------------------------------------------------


def test_cmyk_jpeg_becomes_rgb() -> None:
    cmyk = Image.new("CMYK", (900, 700), (0, 255, 255, 0))  # no cyan/black: red

    photo = ok(process_photo(encode(cmyk, "JPEG", quality=95)))

    large = open_rendition(photo.sizes["large"])
    assert large.mode == "RGB"
    assert pixel_near(large, (450, 350), (255, 0, 0))


def test_palette_png_with_transparency_is_composited_on_white() -> None:
    image = Image.new("P", (800, 600), 0)
    image.putpalette([0, 0, 0, *BLUE] + [0] * 762)
    image.paste(1, (0, 0, 400, 600))
    data = encode(image, "PNG", transparency=0)  # palette index 0 (black) is transparent

    large = open_rendition(ok(process_photo(data)).sizes["large"])

    assert pixel_near(large, (200, 300), BLUE)
    assert pixel_near(large, (600, 300), (255, 255, 255))


def test_half_transparent_rgba_is_blended_with_white() -> None:
    image = Image.new("RGBA", (800, 600), (0, 0, 0, 128))

    large = open_rendition(ok(process_photo(encode(image, "PNG"))).sizes["large"])

    assert pixel_near(large, (400, 300), (127, 127, 127))


@pytest.mark.parametrize(("value", "expected"), [(65535, 255), (32768, 127), (0, 0)])
def test_16_bit_png_is_scaled_not_clipped(value: int, expected: int) -> None:
    image = Image.new("I;16", (800, 600), value)
    data = encode(image, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")

    large = open_rendition(ok(process_photo(data)).sizes["large"])

    assert pixel_near(large, (400, 300), (expected, expected, expected))


def test_heic_is_accepted_and_oriented() -> None:
    upright = quadrants(1200, 800)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # orientation 6's storage
    data = encode(stored, "HEIF", quality=90, exif=exif_bytes(6, gps=True))

    photo = ok(process_photo(data))

    assert (photo.width, photo.height) == (1200, 800)
    large = open_rendition(photo.sizes["large"])
    assert_upright_quadrants(large)
    assert b"GPS" not in outside_scans(photo.sizes["large"].jpeg)


def test_animated_gif_uses_the_first_frame() -> None:
    frames = [Image.new("RGB", (700, 600), colour) for colour in (RED, BLUE, GREEN)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 3

    large = open_rendition(ok(process_photo(data)).sizes["large"])

    assert pixel_near(large, (350, 300), RED)


def test_animated_webp_uses_the_first_frame() -> None:
    frames = [Image.new("RGB", (700, 600), colour) for colour in (GREEN, RED)]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)

    large = open_rendition(ok(process_photo(data)).sizes["large"])

    assert pixel_near(large, (350, 300), GREEN)


def test_colours_in_another_rgb_space_are_converted_to_srgb() -> None:
    # A profile whose "red" is sRGB's green, so a conversion is impossible to miss.
    swapped = rgb_icc_profile("Swapped primaries", SRGB_GREEN_D50, SRGB_RED_D50, SRGB_BLUE_D50)
    data = encode(Image.new("RGB", (900, 700), (255, 0, 0)), "JPEG", icc_profile=swapped)

    large = open_rendition(ok(process_photo(data)).sizes["large"])

    assert pixel_near(large, (450, 350), (0, 255, 0))
    assert "icc_profile" not in large.info


def test_every_rendition_of_a_converted_photo_has_the_converted_colours() -> None:
    # Large enough that the medium is made, halved, while the photo decodes: before the
    # colour conversion, which it must not escape.
    swapped = rgb_icc_profile("Swapped primaries", SRGB_GREEN_D50, SRGB_RED_D50, SRGB_BLUE_D50)
    data = encode(Image.new("RGB", (3200, 2400), (255, 0, 0)), "JPEG", icc_profile=swapped)

    photo = ok(process_photo(data))

    assert photo.sizes["medium"][:2] == (800, 600)
    for rendition in photo.sizes.values():
        assert pixel_near(open_rendition(rendition), (10, 10), (0, 255, 0))


@pytest.mark.parametrize(
    ("fmt", "progressive"),
    [
        pytest.param("JPEG", False, id="sequential-jpeg-streamed"),
        pytest.param("JPEG", True, id="progressive-jpeg-whole"),
        pytest.param("PNG", False, id="png-in-rgb"),
    ],
)
def test_the_medium_halved_while_decoding_is_the_medium_resized_after(
    fmt: str, progressive: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sideways, so the halved strips are turned too.
    stored = textured(2000, 1500).transpose(*STORE_FOR_ORIENTATION[6])
    data = encode(stored, fmt, exif=exif_bytes(6), progressive=progressive, compress_level=1)
    halved: list[Image.Image | None] = []
    halved_result = UprightResize.halved_result

    def spy(resize: UprightResize) -> Image.Image | None:
        halved.append(halved_result(resize))
        return halved[-1]

    monkeypatch.setattr(UprightResize, "halved_result", spy)
    with_halving = ok(process_photo(data))
    monkeypatch.setattr(UprightResize, "halved_result", lambda _: None)
    without = ok(process_photo(data))

    assert halved[0] is not None
    assert without.sizes["medium"][:2] == (800, 600)
    assert with_halving.sizes == without.sizes


def test_a_profile_that_says_srgb_is_taken_at_its_word() -> None:
    named_srgb = rgb_icc_profile("sRGB IEC61966-2.1", SRGB_GREEN_D50, SRGB_RED_D50, SRGB_BLUE_D50)
    data = encode(Image.new("RGB", (900, 700), (255, 0, 0)), "JPEG", icc_profile=named_srgb)

    large = open_rendition(ok(process_photo(data)).sizes["large"])

    assert pixel_near(large, (450, 350), (255, 0, 0))


def test_a_corrupt_profile_is_ignored() -> None:
    data = encode(Image.new("RGB", (900, 700), RED), "JPEG", icc_profile=b"\0garbage" * 20)

    large = open_rendition(ok(process_photo(data)).sizes["large"])

    assert pixel_near(large, (450, 350), RED)


def test_greyscale_jpeg_becomes_rgb() -> None:
    photo = ok(process_photo(encode(textured(900, 700).convert("L"), "JPEG")))

    assert open_rendition(photo.sizes["large"]).mode == "RGB"


# --- metadata ------------------------------------------------------------------------------

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf'
    b'-syntax-ns#"><rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Label="home"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def test_all_metadata_is_stripped() -> None:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(
        textured(2000, 1500),
        "JPEG",
        exif=exif_bytes(1, gps=True),
        xmp=XMP,
        icc_profile=icc,
        comment=b"<script>alert(1)</script>",
    )
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(0x8825)  # the input really carries a GPS position
    assert {"exif", "xmp", "icc_profile", "comment"} <= set(source.info)

    photo = ok(process_photo(data))

    for rendition in photo.sizes.values():
        output = open_rendition(rendition)
        assert not set(output.info) & {"exif", "xmp", "icc_profile", "comment", "dpi"}
        assert len(output.getexif()) == 0
        for marker in (b"Exif", b"GPS", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"<script"):
            assert marker not in outside_scans(rendition.jpeg)


def test_gps_in_a_png_exif_chunk_is_dropped_too() -> None:
    data = encode(textured(900, 700), "PNG", exif=exif_bytes(1, gps=True))
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)

    photo = ok(process_photo(data))

    for rendition in photo.sizes.values():
        assert b"GPS" not in outside_scans(rendition.jpeg)
        assert b"Exif" not in outside_scans(rendition.jpeg)


def test_polyglot_is_decoded_as_an_image_and_the_payload_does_not_survive() -> None:
    payload = b"PK\x03\x04<html><script>steal()</script></html>"
    data = photo_jpeg(900, 700) + payload

    photo = ok(process_photo(data))

    for rendition in photo.sizes.values():
        assert b"PK\x03\x04" not in rendition.jpeg
        assert b"script" not in rendition.jpeg
        assert rendition.jpeg.endswith(b"\xff\xd9")


def test_gif_javascript_polyglot_loses_its_script() -> None:
    # A GIF header that is also valid JavaScript, with the script hidden in a comment block.
    gif = encode(Image.new("RGB", (700, 600), BLUE), "GIF", comment=b"*/=alert(1)/*")
    assert b"alert(1)" in gif

    photo = ok(process_photo(gif))

    assert all(b"alert" not in r.jpeg for r in photo.sizes.values())


# --- refusals ------------------------------------------------------------------------------


def test_zero_bytes_is_not_an_image() -> None:
    assert refused(process_photo(b"")) is PhotoErrorCode.NOT_AN_IMAGE


def test_text_file_named_jpg_is_not_an_image() -> None:
    assert refused(process_photo(b"Habari! This is my necklace.\n")) is PhotoErrorCode.NOT_AN_IMAGE


def test_video_is_not_an_image() -> None:
    mp4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 64
    assert refused(process_photo(mp4)) is PhotoErrorCode.NOT_AN_IMAGE


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
def test_other_image_formats_are_unsupported(fmt: str) -> None:
    data = encode(textured(800, 600), fmt)
    assert refused(process_photo(data)) is PhotoErrorCode.UNSUPPORTED_FORMAT


def test_svg_is_unsupported() -> None:
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="900"/>'
    assert refused(process_photo(svg)) is PhotoErrorCode.UNSUPPORTED_FORMAT


def test_too_many_bytes_is_refused_before_anything_else() -> None:
    limits = PhotoLimits(max_bytes=1000)
    assert refused(process_photo(b"x" * 1001, limits)) is PhotoErrorCode.TOO_LARGE


def test_one_pixel_is_too_small() -> None:
    assert refused(process_photo(encode(Image.new("RGB", (1, 1)), "PNG"))) is (
        PhotoErrorCode.TOO_SMALL
    )


def test_short_side_under_the_minimum_is_too_small() -> None:
    assert refused(process_photo(photo_jpeg(900, 499))) is PhotoErrorCode.TOO_SMALL
    ok(process_photo(photo_jpeg(900, 500)))


def test_decompression_bomb_is_refused_without_decoding() -> None:
    bomb = png_header_only(30_000, 30_000)
    assert len(bomb) < 200

    started = time.perf_counter()
    code = refused(process_photo(bomb))

    assert code is PhotoErrorCode.TOO_MANY_PIXELS
    assert time.perf_counter() - started < 0.5


def test_png_over_the_other_format_limit_is_refused() -> None:
    # 45 MP: under Pillow's own warning threshold, over the 16 MP limit for whole decodes.
    assert refused(process_photo(png_header_only(7500, 6000))) is PhotoErrorCode.TOO_MANY_PIXELS


def test_jpeg_between_pillow_warning_and_our_limit_leaks_no_warning() -> None:
    # 95 MP is over Pillow's DecompressionBombWarning threshold (89 MP) but within the JPEG
    # limit; pytest turns warnings into errors, so a leak would fail here. The data is a
    # small JPEG claiming that size; libjpeg pads the missing scans with grey.
    claimed = jpeg_with_size(photo_jpeg(800, 600), 10_000, 9_500)

    photo = ok(process_photo(claimed))

    assert (photo.width, photo.height) == (10_000, 9_500)
    assert photo.sizes["large"][:2] == (1600, 1520)


def test_jpeg_over_the_jpeg_limit_is_refused() -> None:
    claimed = jpeg_with_size(photo_jpeg(800, 600), 12_000, 9_000)  # 108 MP
    assert refused(process_photo(claimed)) is PhotoErrorCode.TOO_MANY_PIXELS


def test_truncated_jpeg() -> None:
    data = photo_jpeg(1200, 900)
    assert refused(process_photo(data[: len(data) // 2])) is PhotoErrorCode.TRUNCATED


def test_jpeg_cut_inside_its_header_is_truncated() -> None:
    assert refused(process_photo(photo_jpeg()[:40])) is PhotoErrorCode.TRUNCATED


def test_truncated_png() -> None:
    data = encode(textured(900, 700), "PNG")
    assert refused(process_photo(data[: len(data) // 2])) is PhotoErrorCode.TRUNCATED


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert isinstance(process_photo(data), PhotoError | ProcessedPhoto)


_SMALL_JPEG = photo_jpeg(640, 520, quality=70)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(_SMALL_JPEG) - 1), st.binary(min_size=1, max_size=8))
def test_corrupted_jpegs_never_raise(at: int, garbage: bytes) -> None:
    data = _SMALL_JPEG[:at] + garbage + _SMALL_JPEG[at + len(garbage) :]
    assert isinstance(process_photo(data), PhotoError | ProcessedPhoto)


# --- hashes --------------------------------------------------------------------------------


def test_sha256_is_that_of_the_large_rendition_and_stable() -> None:
    data = photo_jpeg()
    first, second = ok(process_photo(data)), ok(process_photo(data))

    assert first.sha256 == hashlib.sha256(first.sizes["large"].jpeg).hexdigest()
    assert first.sha256 == second.sha256


def test_metadata_alone_does_not_change_the_content_address() -> None:
    image = textured(1200, 900)
    plain = ok(process_photo(encode(image, "JPEG", quality=90)))
    tagged = ok(process_photo(encode(image, "JPEG", quality=90, exif=exif_bytes(1, gps=True))))

    assert plain.sha256 == tagged.sha256


def test_the_same_photo_sent_again_recompressed_is_a_near_duplicate() -> None:
    image = textured(2000, 1500, seed=3)
    original = ok(process_photo(encode(image, "JPEG", quality=95)))
    resent = ok(process_photo(encode(image.resize((1000, 750)), "JPEG", quality=60)))
    other = ok(process_photo(encode(textured(2000, 1500, seed=3).rotate(180), "JPEG")))

    assert original.sha256 != resent.sha256
    assert hamming_distance(original.phash, resent.phash) <= 6
    assert hamming_distance(original.phash, other.phash) > 20


def test_dhash_is_64_bits_of_hex() -> None:
    assert len(dhash(quadrants(300, 200))) == 16
    assert dhash(Image.new("RGB", (100, 100), RED)) == "0" * 16


def test_hamming_distance() -> None:
    assert hamming_distance("00ff", "00fe") == 1
    assert hamming_distance("ffffffffffffffff", "0000000000000000") == 64
    with pytest.raises(ValueError, match="length"):
        hamming_distance("00", "000")


# --- advice --------------------------------------------------------------------------------


def advice_for(image: Image.Image) -> tuple[Advice, ...]:
    return ok(process_photo(encode(image, "JPEG", quality=92))).advice


def test_a_good_photo_gets_no_advice() -> None:
    assert advice_for(textured(1600, 1200)) == ()


def test_dark_photo() -> None:
    dark = textured(1600, 1200).point(lambda v: v // 6)
    assert advice_for(dark) == (Advice.TOO_DARK,)


def test_overexposed_photo() -> None:
    blown = textured(1600, 1200).point(lambda v: min(255, v * 3 + 120))
    assert Advice.OVEREXPOSED in advice_for(blown)


def test_white_background_is_not_overexposed() -> None:
    image = Image.new("RGB", (1600, 1200), (236, 236, 232))
    image.paste(textured(600, 500), (500, 350))
    assert Advice.OVEREXPOSED not in advice_for(image)


def test_blurry_photo() -> None:
    assert advice_for(blurred(textured(1600, 1200), 8)) == (Advice.BLURRY,)


def test_small_photo() -> None:
    assert advice_for(textured(1000, 700)) == (Advice.SMALL,)


# --- decoding in JPEG's own colour space, and two threads -----------------------------------


def test_a_jpeg_coded_in_rgb_is_decoded_too() -> None:
    # keep_rgb writes an Adobe marker saying "RGB": libjpeg cannot hand that over as YCbCr,
    # so the pipeline decodes it the ordinary way.
    data = encode(quadrants(2400, 1600), "JPEG", quality=92, keep_rgb=True)
    assert Image.open(io.BytesIO(data)).info.get("adobe_transform") == 0

    large = open_rendition(ok(process_photo(data)).sizes["large"])

    assert large.size == (1600, 1067)
    assert_upright_quadrants(large)


def test_colour_jpegs_keep_their_colours_through_ycbcr() -> None:
    data = encode(quadrants(2400, 1600), "JPEG", quality=95)

    photo = ok(process_photo(data))

    for name in ("large", "medium", "thumb"):
        rendition = open_rendition(photo.sizes[name])
        assert rendition.mode == "RGB"
        assert_upright_quadrants(rendition)


def same_within_one(ours: Image.Image, expected: Image.Image) -> bool:
    """Equal size and mode, each sample within 1 of the other's (rounding at the seam)."""
    if (ours.size, ours.mode) != (expected.size, expected.mode):
        return False
    for mine, theirs in zip(ours.split(), expected.split(), strict=True):
        histogram = ImageChops.difference(mine, theirs).histogram()
        if max(level for level, count in enumerate(histogram) if count) > 1:
            return False
    return True


@pytest.mark.parametrize("mode", ["RGB", "YCbCr"])
@pytest.mark.parametrize(
    ("source", "target"), [((2000, 1500), (1600, 1200)), ((901, 3001), (480, 1599))]
)
def test_resizing_in_two_halves_matches_one_resize(
    mode: str, source: tuple[int, int], target: tuple[int, int]
) -> None:
    image = textured(*source).convert(mode)
    whole = image.resize(target, Image.Resampling.BOX, reducing_gap=1.0)

    with ThreadPoolExecutor(max_workers=1) as helper:
        halves = upright_in_halves(image, target, (), helper)

    assert same_within_one(halves, whole)


@pytest.mark.parametrize("turn", list(Image.Transpose))
@pytest.mark.parametrize("target", [(320, 241), (400, 301)])
def test_halves_turned_land_where_one_turn_puts_them(
    turn: Image.Transpose, target: tuple[int, int]
) -> None:
    image = textured(400, 301)
    whole = image.resize(target, Image.Resampling.BOX, reducing_gap=1.0).transpose(turn)

    with ThreadPoolExecutor(max_workers=1) as helper:
        halves = upright_in_halves(image, target, (turn,), helper)

    assert same_within_one(halves, whole)


def test_a_photo_too_thin_to_halve_is_still_turned() -> None:
    image = textured(1600, 1)

    with ThreadPoolExecutor(max_workers=1) as helper:
        turned = upright_in_halves(image, (1600, 1), (Image.Transpose.ROTATE_90,), helper)

    assert turned.tobytes() == image.transpose(Image.Transpose.ROTATE_90).tobytes()


@pytest.mark.timeout(60, method="thread")  # a helper task waiting on another would hang
def test_photos_at_once_on_one_helper_thread_come_out_as_they_would_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each photo's tasks queue behind the others' on the shared pool (strips, the large's luma
    # and maybe its Cr, the thumb), and who takes the Cr plane depends on the timing.
    photos = [
        photo_jpeg(2000, 1500),
        encode(textured(2000, 1500), "JPEG", progressive=True, exif=exif_bytes(6)),
        encode(textured(1600, 1200), "PNG", compress_level=1),
    ]
    alone = [ok(process_photo(data)) for data in photos]

    with ThreadPoolExecutor(max_workers=1) as helper, ThreadPoolExecutor(6) as callers:
        monkeypatch.setattr("store.media.pipeline._HELPERS", helper)
        together = list(callers.map(lambda data: ok(process_photo(data)), photos * 2))

    assert together == alone * 2


def test_encoding_from_ycbcr_gives_an_ordinary_metadata_free_jpeg() -> None:
    image = quadrants(800, 600).convert("YCbCr")

    data = encode_jpeg(image)

    decoded = Image.open(io.BytesIO(data))
    assert decoded.format == "JPEG"
    assert decoded.mode == "RGB"
    assert_upright_quadrants(decoded)
    assert not decoded.getexif()
    assert "icc_profile" not in decoded.info


def test_encoding_works_where_memory_files_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str, flags: int = 0) -> int:
        raise OSError("memfd_create blocked by the sandbox")

    monkeypatch.setattr("store.media.jpeg.os.memfd_create", refuse)

    decoded = Image.open(io.BytesIO(encode_jpeg(quadrants(800, 600))))

    assert_upright_quadrants(decoded)
