"""Policy export: lerobot checkpoint -> policy package (policy.json + ONNX) -> TensorRT engine."""
