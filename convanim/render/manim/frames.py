"""Play a Timeline into frames with manim's Cairo camera.

The frame at time t is a pure function of (timeline, plan, t): :class:`TimelineState` says what each
actor looks like, this module turns that into mobjects and lets manim's Cairo :class:`Camera` draw
them. Actors that no running event touches are drawn once into a static background for each
stretch between event boundaries (as manim's own renderer does for static mobjects); per frame only
the moving ones are drawn on top.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Camera, ManimColor, Mobject, VGroup, VMobject

from convanim.render import geometry as geo
from convanim.render.layout import FRAME_HEIGHT, Layout, Viewport, blend
from convanim.render.manim.mobjects import (
    MONO,
    lines_mobject,
    polygons_mobject,
    set_opacity,
    text_mobject,
)
from convanim.render.projection import Projector
from convanim.render.state import SweepState, TimelineState
from convanim.render.theme import THEMES, Theme, gap_color, shade
from convanim.storyboard import palette
from convanim.storyboard.build import dims, fmt_value
from convanim.storyboard.timeline import BlockActor, KernelActor, OverlayActor, Timeline

if TYPE_CHECKING:
    from convanim.engine import Plan


@dataclass(frozen=True)
class FrameFormat:
    """Pixel size and frame rate of the frames to produce."""

    width: int
    height: int
    fps: int
    transparent: bool = False

    @property
    def frame_width(self) -> float:
        """Width of the frame in manim units (the height is always 8)."""
        return FRAME_HEIGHT * self.width / self.height


def _source_array(plan: Plan, source: str) -> np.ndarray:
    """The (C, H, W) array of batch 0 that a block shows."""
    if source == "input":
        arr = plan.input
    else:
        index = int(source.split("[")[1].split("]")[0])
        arr = plan.ops[index].output
    arr = np.asarray(arr)[0]
    if arr.ndim == 4:  # conv3d volumes: show the middle depth slice per channel
        arr = arr[:, arr.shape[1] // 2]
    return arr


def _hex(rgb: np.ndarray) -> str:
    return palette.rgb_to_hex(rgb)


class FrameRenderer:
    """Renders the frames of one Timeline."""

    def __init__(
        self,
        timeline: Timeline,
        plan: Plan,
        fmt: FrameFormat,
        theme: str = "light",
        projector: Projector | None = None,
        ground: bool = True,
    ) -> None:
        self.timeline = timeline
        self.plan = plan
        self.fmt = fmt
        self.theme: Theme = THEMES[theme]
        self.ground = ground
        self.state = TimelineState(timeline)
        self.projector = projector or Projector()
        blocks = [a for a in timeline.actors if isinstance(a, BlockActor)]
        self.blocks = {b.id: b for b in blocks}
        self.kernels = {a.id: a for a in timeline.actors if isinstance(a, KernelActor)}
        self.overlays = {a.id: a for a in timeline.actors if isinstance(a, OverlayActor)}
        self.layout = Layout(blocks, self.projector, fmt.frame_width, bool(timeline.title))
        self.arrays = {b.id: _source_array(plan, b.source) for b in blocks}
        self.camera = Camera(
            pixel_width=fmt.width,
            pixel_height=fmt.height,
            frame_width=fmt.frame_width,
            frame_height=FRAME_HEIGHT,
            background_color=ManimColor(self.theme.background),
            background_opacity=0.0 if fmt.transparent else 1.0,
        )
        self._shells: dict[str, tuple[geo.ShellQuads, np.ndarray]] = {}
        self._overlay_cache: dict[tuple[str, str], VGroup] = {}
        self._block_cache: dict[tuple[object, ...], list[Mobject]] = {}
        self._static_key: tuple[object, ...] | None = None
        self._static_image: np.ndarray | None = None

    # -- public -----------------------------------------------------------------------------
    @property
    def frame_count(self) -> int:
        """Number of frames of the whole video."""
        return max(1, int(math.ceil(self.timeline.duration * self.fmt.fps)))

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        """Yield RGBA uint8 frames (H, W, 4) for frame indices [start, stop)."""
        stop = self.frame_count if stop is None else min(stop, self.frame_count)
        for index in range(start, stop):
            yield self.frame_at(index / self.fmt.fps)

    def frame_at(self, t: float) -> np.ndarray:
        """The frame at time t, RGBA uint8 (H, W, 4)."""
        viewport, moving_camera = self._viewport(t)
        active = self.state.active(t)
        dynamic: set[str] = set()
        for e in active:
            if e.kind == "camera":
                continue
            dynamic.add(e.target)
            if e.kind == "sweep":
                dynamic.add(str(e.data["output"]))
        actor_ids = [a.id for a in self.timeline.actors]
        if moving_camera:
            static_ids: list[str] = []
            dynamic_ids = actor_ids
        else:
            static_ids = [a for a in actor_ids if a not in dynamic]
            dynamic_ids = [a for a in actor_ids if a in dynamic]
        key = (self.state.interval(t), viewport.key(), tuple(static_ids))
        if key != self._static_key or self._static_image is None:
            self.camera.reset()
            self.camera.capture_mobjects(self._mobjects(static_ids, t, viewport))
            self._static_image = self.camera.pixel_array.copy()
            self._static_key = key
        self.camera.set_frame_to_background(self._static_image)
        if dynamic_ids:
            self.camera.capture_mobjects(self._mobjects(dynamic_ids, t, viewport))
        return np.array(self.camera.pixel_array, copy=True)

    # -- camera -----------------------------------------------------------------------------
    def _viewport(self, t: float) -> tuple[Viewport, bool]:
        before, after, u = self.state.view_slots(t)
        a, b = self.layout.frame(before), self.layout.frame(after)
        return blend(a, b, u), 0.0 < u < 1.0

    # -- actors -----------------------------------------------------------------------------
    def _mobjects(self, ids: list[str], t: float, vp: Viewport) -> list[Mobject]:
        out: list[Mobject] = []
        ordered = sorted(ids, key=lambda i: (self._layer(i), ids.index(i)))
        for actor_id in ordered:
            opacity = self.state.opacity(actor_id, t)
            if opacity <= 0.001:
                continue
            if actor_id in self.blocks:
                out.extend(self._block(self.blocks[actor_id], t, vp, opacity))
            elif actor_id in self.kernels:
                out.extend(self._kernel(self.kernels[actor_id], t, vp, opacity))
            elif actor_id in self.overlays:
                out.extend(self._overlay(self.overlays[actor_id], t, vp, opacity))
        return out

    def _layer(self, actor_id: str) -> int:
        if actor_id in self.blocks:
            return 0
        if actor_id in self.kernels:
            return 1
        return 2

    def _shell(self, block: BlockActor) -> tuple[geo.ShellQuads, np.ndarray]:
        cached = self._shells.get(block.id)
        if cached is None:
            shell = geo.block_shell(block.shape)
            scene = self.layout.scene_points(block, shell.corners.reshape(-1, 3)).reshape(-1, 4, 2)
            cached = (shell, scene)
            self._shells[block.id] = cached
        return cached

    def _to_frame(self, block: BlockActor, world: np.ndarray, vp: Viewport) -> np.ndarray:
        shape = world.shape[:-1]
        pts = self.layout.scene_points(block, world.reshape(-1, 3))
        return vp.apply(pts).reshape(*shape, 2)

    def _cell_colors(self, block: BlockActor, cells: np.ndarray, t: float) -> np.ndarray:
        """Float RGB per cell (Q, 3) from the block's colouring at time t."""
        coloring = self.state.coloring(block, t)
        channel = cells[:, 0]
        hues = np.array([palette.hex_to_rgb(h) for h in coloring.hues])
        if coloring.mode == "values" and coloring.value_range is not None:
            values = self.arrays[block.id][cells[:, 0], cells[:, 1], cells[:, 2]]
            levels = palette.value_level(values, coloring.value_range)
            out = np.empty((len(cells), 3))
            for hue in set(coloring.hues):
                sel = np.array([coloring.hues[c] == hue for c in channel])
                if sel.any():
                    out[sel] = palette.level_rgb(hue, levels[sel])
            return out
        return hues[channel]

    def _block(self, block: BlockActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        revealed = self.state.revealed(block, t)
        coloring = self.state.coloring(block, t)
        padding = self.state.padding(block, t)
        key = (
            block.id, vp.key(), round(opacity, 3), hash(revealed.tobytes()), coloring, padding,
        )
        cached = self._block_cache.get(key)
        if cached is not None:
            return cached
        shell, scene = self._shell(block)
        frame_quads = vp.apply(scene)
        colors = self._cell_colors(block, shell.cells, t)
        shown = revealed[shell.cells[:, 0], shell.cells[:, 1], shell.cells[:, 2]]
        mobs: list[Mobject] = []
        c, h, w = block.shape
        if self.ground:
            mobs.append(self._shadow(block, vp, opacity))
        # Dark gaps behind the cubes: the whole outer faces when every cube is shown, else a
        # backing quad per shown cube (so empty slots stay light and see-through).
        if shown.all():
            outer = self._to_frame(block, geo.block_outer_faces(block.shape), vp)
            mean = colors.mean(axis=0)
            for face in (geo.FRONT, geo.TOP, geo.RIGHT):
                mobs.append(
                    polygons_mobject(outer[face : face + 1], _hex(gap_color(mean, face)), opacity)
                )
        elif shown.any():
            backing = self._backing(block, vp)
            mean = colors[shown].mean(axis=0)
            for face in (geo.FRONT, geo.TOP, geo.RIGHT):
                sel = np.nonzero((shell.face == face) & shown)[0]
                if len(sel):
                    mobs.append(
                        polygons_mobject(backing[sel], _hex(gap_color(mean, face)), opacity)
                    )
        # Revealed cubes, grouped by shaded colour.
        groups: dict[str, list[int]] = {}
        for face in (geo.FRONT, geo.TOP, geo.RIGHT):
            idx = np.nonzero((shell.face == face) & shown)[0]
            if not len(idx):
                continue
            shaded = shade(colors[idx], face)
            hexes = [_hex(rgb) for rgb in shaded]
            for i, hx in zip(idx, hexes, strict=True):
                groups.setdefault(hx, []).append(int(i))
        for hx, idx_list in groups.items():
            mobs.append(polygons_mobject(frame_quads[idx_list], hx, opacity))
        hidden = np.nonzero(~shown)[0]
        if len(hidden):
            mobs.append(
                polygons_mobject(
                    frame_quads[hidden], self.theme.ghost, 0.10 * opacity,
                    stroke=self.theme.ghost, stroke_width=0.8, stroke_opacity=0.55 * opacity,
                )
            )
        if any(padding):
            mobs.append(self._padding_ring(block, padding, vp, opacity))
        mobs.extend(self._block_labels(block, frame_quads, vp, opacity, padding))
        if block.values_on_cells:
            mobs.extend(self._cell_numbers(block, revealed, vp, opacity))
        if len(self._block_cache) > 256:
            self._block_cache.clear()
        self._block_cache[key] = mobs
        return mobs

    def _backing(self, block: BlockActor, vp: Viewport) -> np.ndarray:
        """Frame quads of every shell cube face without the gap inset (the cube's dark outline)."""
        key = ("backing", block.id)
        cached = self._shells.get(key)  # type: ignore[call-overload]
        if cached is None:
            shell = geo.block_shell(block.shape, gap=0.0)
            scene = self.layout.scene_points(block, shell.corners.reshape(-1, 3)).reshape(-1, 4, 2)
            cached = (shell, scene)
            self._shells[key] = cached  # type: ignore[index]
        return vp.apply(cached[1])

    def _shadow(self, block: BlockActor, vp: Viewport, opacity: float) -> VMobject:
        c, h, w = block.shape
        y = -h - 0.25
        pad = 0.5
        foot = np.array([[-pad, y, pad], [w + pad, y, pad], [w + pad, y, -c - pad], [-pad, y, -c - pad]])
        quad = self._to_frame(block, foot, vp)[None]
        return polygons_mobject(quad, "#000000", self.theme.shadow_opacity * opacity)

    def _padding_ring(
        self, block: BlockActor, padding: tuple[int, int, int, int], vp: Viewport, opacity: float
    ) -> VMobject:
        _, h, w = block.shape
        pt, pb, pl, pr = padding
        quads = [
            geo.front_cell_quad(r, col)
            for r in range(-pt, h + pb)
            for col in range(-pl, w + pr)
            if not (0 <= r < h and 0 <= col < w)
        ]
        frame = self._to_frame(block, np.array(quads), vp)
        return polygons_mobject(
            frame, self.theme.ghost, 0.08 * opacity,
            stroke=self.theme.ghost, stroke_width=1.0, stroke_opacity=0.7 * opacity,
        )

    def _block_labels(
        self,
        block: BlockActor,
        frame_quads: np.ndarray,
        vp: Viewport,
        opacity: float,
        padding: tuple[int, int, int, int],
    ) -> list[Mobject]:
        c, h, w = block.shape
        pt, pb, pl, pr = padding
        outline = geo.box_faces(-pl, w + pr, -h - pb, pt, -c, 0.0).reshape(-1, 3)
        pts = self._to_frame(block, outline, vp)
        x0, x1 = float(pts[:, 0].min()), float(pts[:, 0].max())
        y0, y1 = float(pts[:, 1].min()), float(pts[:, 1].max())
        max_w = max(x1 - x0 + 2.5, 3.2)
        label = text_mobject(
            dims(block.shape), 0.34, self.theme.text, max_width=max_w, usage=(block.id, "label")
        )
        label.move_to([(x0 + x1) / 2, y0 - 0.28, 0])
        caption = text_mobject(
            block.caption, 0.3, self.theme.muted_text, max_width=max_w, usage=(block.id, "caption")
        )
        caption.move_to([(x0 + x1) / 2, y1 + 0.26, 0])
        for mob in (label, caption):
            set_opacity(mob, opacity)
        return [label, caption]

    def _cell_numbers(
        self, block: BlockActor, revealed: np.ndarray, vp: Viewport, opacity: float
    ) -> list[Mobject]:
        values = self.arrays[block.id]
        _, h, w = block.shape
        out: list[Mobject] = []
        corner_a = self._to_frame(block, np.array([[0.0, 0.0, 0.0]]), vp)[0]
        corner_b = self._to_frame(block, np.array([[1.0, 0.0, 0.0]]), vp)[0]
        cell = float(np.linalg.norm(corner_b - corner_a))
        for r in range(h):
            for col in range(w):
                if not revealed[0, r, col]:
                    continue
                text = fmt_value(float(values[0, r, col]))
                centre = self._to_frame(block, geo.front_cell_center(r, col)[None], vp)[0]
                mob = text_mobject(
                    text, cell * 0.3, "#FFFFFF", max_width=cell * 0.78, usage=(block.id, r, col)
                )
                mob.move_to([centre[0], centre[1], 0])
                set_opacity(mob, opacity)
                out.append(mob)
        return out

    # -- kernel -----------------------------------------------------------------------------
    def _kernel(self, kernel: KernelActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        sweep = self.state.sweep(kernel.id, t)
        if sweep is None:
            return []
        block = self.blocks[kernel.block]
        out_block = self.blocks[sweep.output]
        group = sweep.out_channel // kernel.out_per_group
        k0, k1 = kernel.channel_ranges[group]
        hue = kernel.group_hues[group % len(kernel.group_hues)]
        kh, kw = kernel.kernel
        dh, dw = kernel.dilation
        sh, sw = kernel.stride
        pt, _, pl, _ = kernel.padding
        oy, ox = sweep.position
        row0, col0 = oy * sh - pt, ox * sw - pl
        taps = [(row0 + i * dh, col0 + j * dw) for i in range(kh) for j in range(kw)]
        faces = []
        for i in range(kh):
            for j in range(kw):
                r, col = taps[i * kw + j]
                box = geo.cell_box((r, r + 1), (col, col + 1), (k0, k1), inflate=0.03)
                faces.append(box[0])
                if i == 0:
                    faces.append(box[1])
                if j == kw - 1:
                    faces.append(box[2])
        world = np.array(faces)
        depth = self.projector.depth(world.mean(axis=1), geo.block_center(block.shape))
        order = np.argsort(-depth)
        frame = self._to_frame(block, world[order], vp)
        mobs: list[Mobject] = [
            polygons_mobject(
                frame, hue, 0.2 * opacity, stroke=hue, stroke_width=1.6, stroke_opacity=0.95 * opacity
            )
        ]
        front_z = -float(k0)
        if sweep.arrived:
            window = np.array([geo.front_cell_quad(r, col, z=front_z + 0.02) for r, col in taps])
            mobs.append(
                polygons_mobject(
                    self._to_frame(block, window, vp), hue, 0.55 * opacity,
                    stroke="#FFFFFF", stroke_width=1.2, stroke_opacity=0.8 * opacity,
                )
            )
        target = self._output_cell(out_block, sweep, vp)
        if sweep.arrived or sweep.detail:
            mobs.extend(self._beams(block, taps, front_z, target, hue, opacity, vp))
        mobs.append(
            polygons_mobject(
                target[None], hue, 0.0, stroke="#FFFFFF" if sweep.arrived else hue,
                stroke_width=2.5, stroke_opacity=opacity,
            )
        )
        return mobs

    def _output_cell(self, out_block: BlockActor, sweep: SweepState, vp: Viewport) -> np.ndarray:
        r, col = sweep.cell
        z = -float(sweep.out_channel)
        quad = geo.front_cell_quad(r, col, gap=0.0, z=z)
        return self._to_frame(out_block, quad, vp)

    def _beams(
        self,
        block: BlockActor,
        taps: list[tuple[float, float]],
        front_z: float,
        target: np.ndarray,
        hue: str,
        opacity: float,
        vp: Viewport,
    ) -> list[Mobject]:
        """Four lines from the corners of the window to the corners of the output cell."""
        rows = [r for r, _ in taps]
        cols = [c for _, c in taps]
        r0, r1 = min(rows), max(rows) + 1
        c0, c1 = min(cols), max(cols) + 1
        corners = np.array(
            [[c0, -r0, front_z], [c1, -r0, front_z], [c1, -r1, front_z], [c0, -r1, front_z]]
        )
        src = self._to_frame(block, corners, vp)
        segments = np.stack([src, target], axis=1)
        return [lines_mobject(segments, hue, 1.6, 0.75 * opacity)]

    # -- overlays ---------------------------------------------------------------------------
    def _overlay(self, overlay: OverlayActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        if overlay.role == "caption":
            text = self.state.caption(t)
            if not text:
                return []
            group = self._cached_overlay(overlay.id, text, lambda: self._caption_group(text))
        elif overlay.role == "legend":
            block_id = self.state.legend_block(t)
            if block_id is None:
                return []
            block = self.blocks[block_id]
            coloring = self.state.coloring(block, t)
            key = f"{block_id}:{coloring}"
            group = self._cached_overlay(overlay.id, key, lambda: self._legend_group(coloring))
        else:
            group = self._cached_overlay(overlay.id, "", lambda: self._static_overlay(overlay))
        set_opacity(group, opacity)
        return [group]

    def _cached_overlay(self, actor_id: str, key: str, make) -> VGroup:  # type: ignore[no-untyped-def]
        cache_key = (actor_id, key)
        group = self._overlay_cache.get(cache_key)
        if group is None:
            group = make()
            self._overlay_cache[cache_key] = group
        return group

    def _static_overlay(self, overlay: OverlayActor) -> VGroup:
        fw = self.fmt.frame_width
        theme = self.theme
        if overlay.role == "title":
            title = text_mobject(overlay.lines[0], 0.5, theme.text, weight="BOLD", max_width=fw - 7)
            title.move_to([0, FRAME_HEIGHT / 2 - 0.5, 0])
            return VGroup(title)
        if overlay.role == "table":
            group = self._table(overlay.lines)
            if group.width > fw * 0.5:
                group.scale(fw * 0.5 / group.width)
            group.move_to([-fw / 2 + 0.3 + group.width / 2, -2.95, 0])
            return group
        if overlay.role == "formula":
            lines = [text_mobject(line, 0.26, theme.text, font=MONO) for line in overlay.lines]
            group = VGroup(*lines).arrange(direction=np.array([0, -1, 0]), aligned_edge=np.array([-1, 0, 0]), buff=0.1)
            if group.width > fw * 0.44:
                group.scale(fw * 0.44 / group.width)
            group.move_to([fw / 2 - 0.3 - group.width / 2, -2.55, 0])
            return group
        if overlay.role == "counts":
            text = "   ".join(overlay.lines)
            mob = text_mobject(text, 0.28, theme.text, font=MONO, max_width=fw * 0.44)
            mob.move_to([fw / 2 - 0.3 - mob.width / 2, -3.55, 0])
            return VGroup(mob)
        return VGroup()

    def _table(self, lines: tuple[str, ...]) -> VGroup:
        """The shape table in a monospace font: header muted, every column right-aligned.

        Each row is one text of equal character count, right-aligned at the same x, so the columns of
        the monospace font line up (leading blanks carry no ink and cannot be aligned on).
        """
        rows = [line.split("\t") for line in lines]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        size = 0.27
        mobs: list[Mobject] = []
        for n, row in enumerate(rows):
            cells = [row[0].ljust(widths[0])] + [
                c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
            ]
            text = "  ".join(cells).replace(" ", "\u00a0")
            color = self.theme.muted_text if n == 0 else self.theme.text
            mob = text_mobject(text, size, color, font=MONO)
            mob.align_to(np.array([0.0, -n * size * 1.45, 0.0]), np.array([1, 1, 0]))
            mobs.append(mob)
        return VGroup(*mobs)

    def _caption_group(self, text: str) -> VGroup:
        mob = text_mobject(text, 0.3, self.theme.text, font=MONO, max_width=self.fmt.frame_width - 1)
        mob.move_to([0, -1.72, 0])
        return VGroup(mob)

    def _legend_group(self, coloring) -> VGroup:  # type: ignore[no-untyped-def]
        """Colour bars (one per group hue) from the lowest to the highest output value."""
        if coloring.mode != "values" or coloring.value_range is None:
            return VGroup()
        hues = list(dict.fromkeys(coloring.hues))[:4]
        levels = palette.VALUE_LEVELS
        width, height = 2.4, 0.14
        mobs: list[Mobject] = []
        for n, hue in enumerate(hues):
            y0 = -n * (height + 0.04)
            quads = np.array(
                [
                    [
                        [width * i / levels, y0],
                        [width * (i + 1) / levels, y0],
                        [width * (i + 1) / levels, y0 + height],
                        [width * i / levels, y0 + height],
                    ]
                    for i in range(levels)
                ]
            )
            for i in range(levels):
                mobs.append(polygons_mobject(quads[i : i + 1], _hex(palette.level_rgb(hue, i)), 1.0))
        bottom = -(len(hues) - 1) * (height + 0.04)
        lo, hi = coloring.value_range
        low = text_mobject(fmt_value(lo), 0.22, self.theme.muted_text, font=MONO)
        high = text_mobject(fmt_value(hi), 0.22, self.theme.muted_text, font=MONO)
        low.next_to(np.array([0, bottom, 0]), DOWN, buff=0.08, aligned_edge=LEFT)
        high.next_to(np.array([width, bottom, 0]), DOWN, buff=0.08, aligned_edge=RIGHT)
        name = text_mobject("output value", 0.22, self.theme.muted_text)
        name.next_to(np.array([0, height, 0]), UP, buff=0.08, aligned_edge=LEFT)
        group = VGroup(*mobs, low, high, name)
        group.move_to(
            [self.fmt.frame_width / 2 - 0.3 - group.width / 2, FRAME_HEIGHT / 2 - 0.3 - group.height / 2, 0]
        )
        return group
