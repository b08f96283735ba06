"""Running the worker: one cycle as a pipeline of phases, the long-running loop, health, and the commands
built on the cycle."""
