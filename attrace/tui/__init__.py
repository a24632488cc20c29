"""The terminal UI (``attrace view``): a Textual app over ``attrace.api``.

``present`` and ``filtering`` compute what is shown without Textual; ``widgets`` and
``screens`` paint it; ``app`` wires them and loads the trace in worker threads.
"""
