"""`imitate export` and `imitate build-engine`."""


def register(sub):
    """Add `imitate export` and `imitate build-engine` to the parser."""
    p = sub.add_parser(
        "export", help="lerobot checkpoint -> policy package (ONNX with parity proven, or torch)"
    )
    p.add_argument("checkpoint", help="a training run folder, checkpoints/<step> or pretrained_model folder")
    p.add_argument("--out", required=True, help="package folder to write (replaced if it exists)")
    p.add_argument("--dataset", help="the training dataset: joint names and real frames for the parity check")
    p.add_argument("--profile", help="robot profile giving joint names when no dataset is at hand")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--frames", type=int, default=32, help="observations for the parity check (default 32)")
    p.add_argument("--diffusion-steps", type=int, default=10, help="DDIM steps the runtime runs (Diffusion)")
    p.add_argument("--no-slim", action="store_true", help="skip onnxslim")
    p.add_argument(
        "--format",
        choices=["onnx", "torch"],
        default="onnx",
        help="onnx (default): graphs for ONNX Runtime and TensorRT; torch: the checkpoint itself, which "
        "the torch backend runs with lerobot (any policy; what --rtc needs)",
    )
    p.add_argument(
        "--vlm",
        help="a VLA: a local folder with its backbone's config and tokenizer files, when the checkpoint's "
        "backbone name is neither a folder here nor in the Hugging Face cache",
    )
    p.set_defaults(handler=export_command)

    p = sub.add_parser("build-engine", help="build a TensorRT engine for a policy package on this machine")
    p.add_argument("package")
    p.add_argument("--fp16", action="store_true", help="allow FP16 kernels (error reported in policy.json)")
    p.add_argument("--workspace-gb", type=float, default=2.0)
    p.set_defaults(handler=build_engine_command)


def export_command(args):
    """Export a checkpoint to a policy package; returns 0, raises when parity fails."""
    if args.frames < 1:
        raise ValueError("--frames must be at least 1")
    from imitate.edge.profile import load_profile  # lazy: torch and lerobot load only when exporting
    profile = load_profile(args.profile) if args.profile else None
    if args.format == "torch":
        from .lerobot_package import package_lerobot  # lazy: torch and lerobot load only when exporting

        package = package_lerobot(args.checkpoint, args.out, args.dataset, profile, vlm=args.vlm)
        check = package.spec["load_check"]
        print(
            f"policy package {package.root}: {package.policy_type} for the torch backend, "
            f"{len(package.action_joints)} joints, cameras {', '.join(package.cameras)}"
            f"{', prompted with a task' if package.needs_task else ''}; "
            f"{check['chunk_ms_cpu']} ms per chunk on this CPU ({check['inputs']})"
        )
        return 0
    from .exporter import export  # lazy: torch and lerobot load only when exporting
    package = export(args.checkpoint, args.out, dataset=args.dataset, profile=profile, opset=args.opset,
                     frames=args.frames, diffusion_steps=args.diffusion_steps, slim=not args.no_slim,
                     vlm=args.vlm)
    parity = package.spec["parity"]
    print(
        f"policy package {package.root}: {package.policy_type}, {len(package.action_joints)} joints, cameras "
        f"{', '.join(package.cameras)}; parity {parity['max_abs_error']:.2e} on {parity['inputs']}"
    )
    return 0


def build_engine_command(args):
    """Build TensorRT engines for a package on this machine; returns 0."""
    from .tensorrt_engine import build_engines  # lazy: torch and lerobot load only when exporting

    for path in build_engines(args.package, fp16=args.fp16, workspace_gb=args.workspace_gb):
        print(f"engine: {path}")
    return 0
