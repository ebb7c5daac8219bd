"""Actor kind -> drawer class. A new op visual with its own actor kind adds one line here."""

from __future__ import annotations

from typing import Any

from convanim.renderer.manim.draw_batch_norm import BatchNormDrawer
from convanim.renderer.manim.draw_block import BlockDrawer
from convanim.renderer.manim.draw_closeup import CloseupDrawer
from convanim.renderer.manim.draw_deform import DeformDrawer
from convanim.renderer.manim.draw_holes import HolesDrawer
from convanim.renderer.manim.draw_kernel import KernelDrawer
from convanim.renderer.manim.draw_kernel3d import Kernel3DDrawer
from convanim.renderer.manim.draw_layers import DenseDrawer, FlattenDrawer
from convanim.renderer.manim.draw_matrix import MatrixDrawer
from convanim.renderer.manim.draw_overlay import OverlayDrawer
from convanim.renderer.manim.draw_receptive import ReceptiveDrawer
from convanim.renderer.manim.draw_scatter import ScatterDrawer
from convanim.renderer.manim.draw_se import SEChartDrawer
from convanim.renderer.manim.draw_shuffle import ShuffleDrawer
from convanim.renderer.manim.stage import Drawer

DRAWERS: dict[str, type[Drawer[Any]]] = {
    "block": BlockDrawer,
    "kernel": KernelDrawer,
    "overlay": OverlayDrawer,
    "shuffle": ShuffleDrawer,
    "se_chart": SEChartDrawer,
    "scatter": ScatterDrawer,
    "holes": HolesDrawer,
    "kernel3d": Kernel3DDrawer,
    "deform": DeformDrawer,
    "receptive": ReceptiveDrawer,
    "matrix": MatrixDrawer,
    "closeup": CloseupDrawer,
    "flatten": FlattenDrawer,
    "dense": DenseDrawer,
    "batch_norm": BatchNormDrawer,
}
