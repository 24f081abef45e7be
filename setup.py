"""The one C extension; everything else about the package is in pyproject.toml.

`store/media/_plane_encoder.c` lets the photo pipeline choose its JPEG scan script (see
store/media/jpeg.py). It needs a C compiler and libjpeg(-turbo)'s headers (Debian: gcc
libjpeg62-turbo-dev). Without them the build skips it, and Pillow alone encodes the photos,
about 20 ms slower each.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "store.media._plane_encoder",
            sources=["store/media/_plane_encoder.c"],
            libraries=["jpeg"],
            optional=True,
        )
    ]
)
