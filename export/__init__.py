"""Policy export: lerobot checkpoint -> policy package (policy.json + ONNX) -> TensorRT engine; and the
torch backend (torch_policy.py), which runs a lerobot package on the robot: a plugin of edge's backend
factory, declared as an entry point in setup.py (group `imitate.backends`)."""
