"""The check engine: generic machinery behind every exercise of :mod:`convkit.exercises`.

============== ==============================================================================
``types``      the data: :class:`Case`, :class:`Verdict`, :class:`Mistake`, :class:`Criterion`,
               :class:`Exercise`, :class:`Unserializable`
``comparing``  tolerances, exact types, printing arrays
``models``     building blocks of mistake models (an own sliding-window sum, uint8 effects)
``messages``   the words of a verdict
``diagnosing`` naming the mistake of one case (:func:`diagnose`)
``probing``    what a linear filter really computes, from impulse responses
``rubric``     partial credit: the criteria an answer meets
``running``    the visible check in the student's kernel (:func:`check`)
``picture``    the expected | yours | difference picture
============== ==============================================================================

No module here names an exercise; imports go one way: exercises -> checking -> types.
"""
