"""Drawing conv3d tensors: a row of C volumes of D×H×W cubes, each tagged with its channel."""

from __future__ import annotations

import numpy as np
from manim import Mobject, VMobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Viewport
from convanim.renderer.lod import quad_shown, quad_values, shell_of
from convanim.renderer.manim.mobjects import (
    Placement,
    placements,
    polygons_mobject,
    restore,
    set_opacity,
    text_mobject,
)
from convanim.renderer.manim.stage import Drawer, Stage, to_hex
from convanim.renderer.theme import gap_color, shade
from convanim.renderer.volumes import VolumeRow, volume_row
from convanim.storyboard import palette
from convanim.storyboard.common import dims
from convanim.storyboard.timeline import BlockActor, Coloring


class VolumeRowDrawer(Drawer[BlockActor]):
    """Draws a 4-D :class:`BlockActor` (shape (C, D, H, W)); used by the block drawer."""

    layer = 0

    def __init__(self, stage: Stage) -> None:
        super().__init__(stage)
        self._scene: dict[tuple[str, int, float], tuple[geo.ShellQuads, np.ndarray]] = {}
        self._cache: dict[tuple[object, ...], tuple[list[Mobject], list[Placement]]] = {}

    def _volume_shell(
        self, block: BlockActor, row: VolumeRow, channel: int, gap: float
    ) -> tuple[geo.ShellQuads, np.ndarray]:
        """Shell of volume ``channel`` (true local coordinates) and its scene quads, cached."""
        key = (block.id, channel, gap)
        cached = self._scene.get(key)
        if cached is None:
            shell = shell_of(row.lod, gap)
            world = row.place(channel, shell.corners.reshape(-1, 3))
            scene = self.layout.scene_points(block, world).reshape(-1, 4, 2)
            cached = (shell, scene)
            self._scene[key] = cached
        return cached

    def _colors(
        self, row: VolumeRow, coloring: Coloring, values: np.ndarray, channel: int
    ) -> np.ndarray:
        hue = coloring.hues[channel % len(coloring.hues)]
        if coloring.mode == "values" and coloring.value_range is not None:
            levels = palette.value_level(values, coloring.value_range)
            return np.asarray(palette.level_rgb(hue, levels))
        return np.tile(palette.hex_to_rgb(hue), (len(values), 1))

    def draw(self, block: BlockActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """Every shown volume's cubes (by colour), gaps, ghosts, tags, label and ellipsis."""
        row = volume_row((block.shape[0], block.shape[1], block.shape[2], block.shape[3]))
        revealed = self.state.revealed(block, t)
        coloring = self.state.coloring(block, t)
        key = (block.id, vp.key(), round(opacity, 3), hash(revealed.tobytes()), coloring)
        cached = self._cache.get(key)
        if cached is not None:
            restore(cached[1])  # its labels may have been drawn at another viewport since
            return cached[0]
        values = self.arrays[block.id]
        mobs: list[Mobject] = []
        if self.ground:
            mobs.append(self._shadow(block, row, vp, opacity))
        by_color: dict[str, list[np.ndarray]] = {}
        ghosts: list[np.ndarray] = []
        for channel in row.shown():
            c = int(channel)
            shell, scene = self._volume_shell(block, row, c, geo.GAP)
            _, backing = self._volume_shell(block, row, c, 0.0)
            quads, backs = vp.apply(scene), vp.apply(backing)
            vals = quad_values(row.lod, values[c], shell.cells)
            shown = quad_shown(row.lod, revealed[c], shell.cells)
            colors = self._colors(row, coloring, vals, c)
            if shown.any():
                mean = colors[shown].mean(axis=0)
                for face in (geo.FRONT, geo.TOP, geo.RIGHT):
                    sel = np.nonzero((shell.face == face) & shown)[0]
                    if len(sel):
                        hx = to_hex(gap_color(mean, face))
                        by_color.setdefault("gap" + hx, []).append(backs[sel])
            for face in (geo.FRONT, geo.TOP, geo.RIGHT):
                idx = np.nonzero((shell.face == face) & shown)[0]
                if len(idx):
                    shaded = shade(colors[idx], face)
                    for i, rgb in zip(idx, shaded, strict=True):
                        by_color.setdefault(to_hex(rgb), []).append(quads[i : i + 1])
            hidden = np.nonzero(~shown)[0]
            if len(hidden):
                ghosts.append(quads[hidden])
        gaps = [k for k in by_color if k.startswith("gap")]
        for k in gaps:
            mobs.append(polygons_mobject(np.concatenate(by_color.pop(k)), k[3:], opacity))
        for hx, parts in by_color.items():
            mobs.append(polygons_mobject(np.concatenate(parts), hx, opacity))
        if ghosts:
            mobs.append(
                polygons_mobject(
                    np.concatenate(ghosts),
                    self.theme.ghost,
                    0.10 * opacity,
                    stroke=self.theme.ghost,
                    stroke_width=0.8,
                    stroke_opacity=0.55 * opacity,
                )
            )
        mobs.extend(self._labels(block, row, vp, opacity))
        if len(self._cache) > 128:
            self._cache.clear()
        self._cache[key] = (mobs, placements(mobs))
        return mobs

    def _shadow(self, block: BlockActor, row: VolumeRow, vp: Viewport, opacity: float) -> Mobject:
        depth, height, width = row.display_shape
        y, pad = -height - 0.25, 0.5
        foot = np.array(
            [
                [-pad, y, pad],
                [width + pad, y, pad],
                [width + pad, y, -depth - pad],
                [-pad, y, -depth - pad],
            ]
        )
        quad = self._to_frame(block, foot, vp)[None]
        return polygons_mobject(quad, "#000000", self.theme.shadow_opacity * opacity)

    def _labels(
        self, block: BlockActor, row: VolumeRow, vp: Viewport, opacity: float
    ) -> list[VMobject]:
        """Shape label, caption, a channel tag under every volume, dots for elided volumes."""
        depth, height, width = row.display_shape
        outline = geo.box_faces(0.0, width, -height, 0.0, -depth, 0.0).reshape(-1, 3)
        pts = self._to_frame(block, outline, vp)
        x0, x1 = float(pts[:, 0].min()), float(pts[:, 0].max())
        y0, y1 = float(pts[:, 1].min()), float(pts[:, 1].max())
        max_w = max(x1 - x0 + 2.5, 3.2)
        c, d, h, w = block.shape
        label = text_mobject(
            f"{dims(block.shape)}  (C×D×H×W)",
            0.32,
            self.theme.text,
            max_width=max_w,
            usage=(block.id, "label"),
        )
        label.move_to(np.array([(x0 + x1) / 2, y0 - 0.3, 0.0]))
        caption = text_mobject(
            block.caption, 0.3, self.theme.muted_text, max_width=max_w, usage=(block.id, "caption")
        )
        caption.move_to(np.array([(x0 + x1) / 2, y1 + 0.26, 0.0]))
        mobs: list[VMobject] = [label, caption]
        note = row.note(self.words)
        if note:
            small = text_mobject(
                note, 0.22, self.theme.muted_text, max_width=max_w, usage=(block.id, "note")
            )
            small.move_to(np.array([(x0 + x1) / 2, y0 - 0.62, 0.0]))
            mobs.append(small)
        vw = row.volume_width
        for channel in row.shown():
            x = row.offset(int(channel)) + vw / 2
            anchor = self._to_frame(block, np.array([[x, 0.0, -depth]]), vp)[0]
            tag = text_mobject(
                f"c{int(channel)}",
                0.2,
                self.theme.muted_text,
                usage=(block.id, "tag", int(channel)),
            )
            tag.move_to(np.array([anchor[0], anchor[1] + 0.14, 0.0]))
            mobs.append(tag)
        for mob in mobs:
            set_opacity(mob, opacity)
        ex = row.ellipsis_x()
        if ex is not None:
            pts3 = np.array([[ex + dx, -height / 2, 0.0] for dx in (-0.6, 0.0, 0.6)])
            centres = self._to_frame(block, pts3, vp)
            r = 0.05
            dots = np.array(
                [
                    [[x - r, y - r], [x + r, y - r], [x + r, y + r], [x - r, y + r]]
                    for x, y in centres
                ]
            )
            mobs.append(polygons_mobject(dots, self.theme.text, 0.85 * opacity))
        return mobs
