"""The NumPy engine: every op with PyTorch's semantics, traces, costs and the Plan.

>>> from convanim.spec import loads
>>> from convanim.engine import plan
>>> text = (
...     "input: {shape: [6, 64, 64]}\\n"
...     "ops: [{type: conv2d, out_channels: 3, kernel_size: 3, padding: 1, bias: false}]"
... )
>>> p = plan(loads(text))
>>> p.ops[0].output_shape, p.total.params, p.total.macs
((1, 3, 64, 64), 162, 663552)
"""

from convanim.engine.plan import OpResult, Plan, plan
from convanim.spec.ops.cost import Cost
from convanim.spec.ops.receptive import ReceptiveField

__all__ = ["Cost", "OpResult", "Plan", "ReceptiveField", "plan"]
