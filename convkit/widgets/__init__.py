"""Interactive widgets for the lessons (ipywidgets).

Each widget is a pure callback that computes what to show, plus a thin
ipywidgets wrapper that renders it with matplotlib (Agg) into an
``ipywidgets.Image``. The callbacks are tested without a browser; the wrappers
are what students see in JupyterLab.

Modules
-------
sliding_window
    ``window_step`` and ``sliding_window_widget``: a slider that steps a kernel's
    window across a small image (lesson 1).
kernel_explorer
    a dropdown of kernels and of images, original and result side by side (lesson 4).
opencv_compare
    kernel and border mode: our result, OpenCV's, and their difference (lesson 5).

The submodules are imported on demand (``from convkit.widgets.sliding_window
import sliding_window_widget``), so importing this package stays cheap.
"""
