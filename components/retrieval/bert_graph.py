"""A BERT sentence encoder (sentence-transformers' mean pooling, L2-normalised) as an ONNX graph, built from a
checkpoint's tensors with `onnx.helper`: no torch and no exporter, so it can be made wherever the weights are.

Inputs `input_ids` and `attention_mask` (int64, batch x tokens); output `embedding` (float32, batch x width).
Opset 17 (LayerNormalization); GELU is the exact erf form BERT uses.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bert_sentence_graph"]


def bert_sentence_graph(tensors: dict[str, np.ndarray], layers: int, heads: int, eps: float = 1e-12):
    """The ModelProto of the encoder whose weights are `tensors` (names as BertModel's, without "bert.")."""
    # start-up time: onnx builds the graph once, when the embedder first loads
    from onnx import TensorProto, checker, helper, numpy_helper

    width = tensors["embeddings.word_embeddings.weight"].shape[1]
    head = width // heads
    nodes, initializers = [], []

    def constant(name: str, value) -> str:
        initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(kind: str, inputs: list[str], name: str, **attributes) -> str:
        nodes.append(helper.make_node(kind, inputs, [name], name=name, **attributes))
        return name

    def linear(x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:  # x @ W.T + b, W transposed once
        matrix = constant(f"{name}.t", np.ascontiguousarray(weight.T))
        return op("Add", [op("MatMul", [x, matrix], f"{name}.mm"), constant(f"{name}.b", bias)], name)

    def dense(x: str, prefix: str, name: str) -> str:
        return linear(x, tensors[f"{prefix}.weight"], tensors[f"{prefix}.bias"], name)

    def norm(x: str, prefix: str, name: str) -> str:
        return op("LayerNormalization", [x, constant(f"{prefix}.g", tensors[f"{prefix}.LayerNorm.weight"]),
                                         constant(f"{prefix}.beta", tensors[f"{prefix}.LayerNorm.bias"])],
                  name, axis=-1, epsilon=eps)

    i64 = np.int64
    constant("one", np.array([1], dtype=i64))
    constant("zero", np.array([0], dtype=i64))
    constant("1.0", np.float32(1.0))
    length = op("Gather", [op("Shape", ["input_ids"], "shape"), "one"], "length")
    positions = op("Slice", [constant("positions", tensors["embeddings.position_embeddings.weight"]), "zero", length,
                             "zero"], "position_rows")
    x = op("Add", [op("Gather", [constant("words", tensors["embeddings.word_embeddings.weight"]), "input_ids"],
                      "word_rows"), positions], "embedded")
    x = op("Add", [x, constant("type0", tensors["embeddings.token_type_embeddings.weight"][0])], "typed")
    x = norm(x, "embeddings", "x")
    mask = op("Cast", ["attention_mask"], "mask", to=TensorProto.FLOAT)
    padding = op("Mul", [op("Sub", ["1.0", mask], "unmasked"), constant("-inf", np.float32(-1e9))], "padding2")
    padding = op("Unsqueeze", [padding, constant("axes12", np.array([1, 2], dtype=i64))], "padding")  # B,1,1,T
    constant("qkv_shape", np.array([0, 0, 3, heads, head], dtype=i64))
    constant("merged", np.array([0, 0, width], dtype=i64))
    constant("scale", np.float32(head ** -0.5))
    for index in range(layers):
        name = f"encoder.layer.{index}"
        # one matmul for the three projections
        weight, bias = (np.concatenate([tensors[f"{name}.attention.self.{part}.{kind}"]
                                        for part in ("query", "key", "value")]) for kind in ("weight", "bias"))
        qkv = op("Reshape", [linear(x, weight, bias, f"{name}.qkv"), "qkv_shape"], f"{name}.qkv5")
        qkv = op("Transpose", [qkv], f"{name}.qkv_heads", perm=[2, 0, 3, 1, 4])  # 3,B,H,T,D
        q, k, v = (op("Gather", [qkv, constant(f"{name}.{part}", np.array(i, dtype=i64))], f"{name}.{part}s", axis=0)
                   for i, part in enumerate("qkv"))
        scores = op("MatMul", [q, op("Transpose", [k], f"{name}.kt", perm=[0, 1, 3, 2])], f"{name}.qk")
        scores = op("Add", [op("Mul", [scores, "scale"], f"{name}.scaled"), padding], f"{name}.masked")
        context = op("MatMul", [op("Softmax", [scores], f"{name}.attention", axis=-1), v], f"{name}.context")
        context = op("Reshape", [op("Transpose", [context], f"{name}.context_t", perm=[0, 2, 1, 3]), "merged"],
                     f"{name}.context_rows")
        attended = dense(context, f"{name}.attention.output.dense", f"{name}.attended")
        x = norm(op("Add", [x, attended], f"{name}.residual1"), f"{name}.attention.output", f"{name}.x1")
        hidden = dense(x, f"{name}.intermediate.dense", f"{name}.hidden")
        scaled = op("Mul", [hidden, constant(f"{name}.sqrt_half", np.float32(0.5 ** 0.5))], f"{name}.scaled_hidden")
        erf = op("Erf", [scaled], f"{name}.erf")
        gelu = op("Mul", [op("Mul", [hidden, op("Add", [erf, "1.0"], f"{name}.one_plus_erf")], f"{name}.gated"),
                          constant(f"{name}.half", np.float32(0.5))], f"{name}.gelu")
        out = dense(gelu, f"{name}.output.dense", f"{name}.out")
        x = norm(op("Add", [x, out], f"{name}.residual2"), f"{name}.output", f"{name}.x2")
    tokens = op("Unsqueeze", [mask, constant("last", np.array([-1], dtype=i64))], "mask3")
    summed = op("ReduceSum", [op("Mul", [x, tokens], "kept"), "one"], "summed", keepdims=0)
    counted = op("Max", [op("ReduceSum", [mask, "one"], "counted0", keepdims=1), "1.0"], "counted")
    op("LpNormalization", [op("Div", [summed, counted], "mean")], "embedding", axis=1, p=2)

    graph = helper.make_graph(nodes, "bert_sentence_encoder", [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", width])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    checker.check_model(model, full_check=False)
    return model
