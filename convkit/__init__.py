"""convkit: image convolution from first principles.

The shared module of the convolution course: reference implementations of the
functions students write, a kernel library, the course images, display helpers,
widgets, diagnostic checks and the grading pipeline that drives nbgrader.

Public names are imported lazily (PEP 562), so ``import convkit`` stays cheap:
the grader's sandbox and the command line only pay for what they use.

Examples
--------
>>> import numpy as np
>>> import convkit
>>> convkit.im_conv(np.arange(16.0).reshape(4, 4), np.ones((3, 3)) / 9).shape
(2, 2)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # the array code (reference implementations)
    "correlate": "convkit.core",
    "im_conv": "convkit.core",
    "get_subimages": "convkit.core",
    "flip_kernel": "convkit.core",
    "convolve": "convkit.core",
    "conv_output_shape": "convkit.core",
    "pad_image": "convkit.core",
    "strided_im_conv": "convkit.core",
    "apply_per_channel": "convkit.core",
    "multichannel_conv": "convkit.core",
    "separable_conv": "convkit.core",
    # kernels, images, pictures
    "KERNELS": "convkit.kernels",
    "get_kernel": "convkit.kernels",
    "gaussian_kernel": "convkit.kernels",
    "load_image": "convkit.images",
    "list_images": "convkit.images",
    "show_side_by_side": "convkit.display",
    "show_signed": "convkit.display",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    try:
        module_name = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'convkit' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
