"""Policy plane: classify the payload, build the input document, ask the OPA sidecar."""
