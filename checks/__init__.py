"""The flow graph, the commitment kinds and the engine that runs them."""
