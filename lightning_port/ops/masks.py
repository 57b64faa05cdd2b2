"""A model output's Keras mask, kept on the tensor as Keras keeps it (``backend.set_keras_mask``
sets ``tensor._keras_mask``): the loss and the metrics read it there, as Keras's ``Loss`` and
``Metric`` read ``get_keras_mask(y_pred)``, so nothing between the model and its loss needs to
pass it along. Only an output that carries a mask (``Graph.mask_flow``) gets one."""

from __future__ import annotations

MASK_ATTRIBUTE = "_keras_mask"


def attach_mask(tensor, mask):
    """``tensor`` with ``mask`` (a boolean tensor of its leading axes) attached."""
    setattr(tensor, MASK_ATTRIBUTE, mask)
    return tensor


def mask_of(tensor):
    """The Keras mask attached to ``tensor``, or None."""
    return getattr(tensor, MASK_ATTRIBUTE, None)
