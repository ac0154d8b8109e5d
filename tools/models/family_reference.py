#!/usr/bin/python3
"""Tiny random-weight models of the Llama family's variants and their PyTorch reference logits.

Variants (each written as a GGUF file the way llama.cpp's converter writes it):
  qwen2-tiny     arch qwen2: q/k/v biases, NeoX (rotate_half) RoPE, weights NOT permuted
  qwen3-tiny     arch qwen3: per-head RMSNorm on q and k before RoPE, head_dim != dim/heads
  llama3-scaled  arch llama with Llama 3.1 RoPE scaling, stored as llama.cpp does: a
                 rope_freqs.weight tensor of per-frequency divisors (HF: rope_type "llama3")
  llama-linear   arch llama, rope.scaling.type linear (HF rope_type "linear", factor 4)
  llama-yarn     arch llama, rope.scaling.type yarn (HF rope_type "yarn": ramped interpolation
                 and the 0.1 ln(factor) + 1 attention factor on cos/sin)
  mistral-swa    arch llama with attention.sliding_window 6 (Mistral): 20 tokens > window
  llama-f16      arch llama with every matrix stored as F16 (GGUF type 1, safetensors "F16")
  llama-q8_0, llama-q4_0, llama-iq4_nl, llama-iq4_xs  matrices as ggml Q8_0 / Q4_0 / IQ4_NL /
                 IQ4_XS blocks (GGUF only; iq4_xs with dim 256 for its 256-wide blocks), quantized
                 here with numpy per ggml's block layout; the reference runs on the dequantized values
Each variant also gets greedy.txt: the 32-token greedy continuation of the token sequence.
Reference semantics are Hugging Face's modeling code, in float64.
Writes jllm-models/src/test/resources/models/<variant>/{model.gguf, golden.txt} and the same
weights as a Hugging Face checkpoint, <variant>/hf/{config.json, model.safetensors} (HF names,
q/k rows unpermuted, rope_scaling / sliding_window / head_dim in config.json).
(golden.txt: line 1 token ids, then one line of logits per position).
"""
import json, math, os, struct
import numpy as np
import torch

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKENS = [3, 17, 42, 5, 96, 0, 33, 33, 8, 71, 64, 2, 50, 19, 88, 3, 7, 7, 60, 11]
EPS = 1e-6

def permute(wt, heads):
    return wt.reshape(heads, 2, wt.shape[0] // heads // 2, *wt.shape[1:]).swapaxes(1, 2).reshape(wt.shape)

def llama3_inv_freq(inv, factor, low, high, orig):
    low_wl, high_wl = orig / low, orig / high
    wl = 2 * math.pi / inv
    out = torch.where(wl > low_wl, inv / factor, inv)
    smooth = (orig / wl - low) / (high - low)
    smoothed = (1 - smooth) * out / factor + smooth * out
    mid = ~(wl < high_wl) & ~(wl > low_wl)
    return torch.where(mid, smoothed, out)

def rms(x, weight):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * weight.double()

def rot(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), -1)

def llama_forward(P, tokens, layers, heads, kv_heads, head, inv, bias=False, qk_norm=False, window=0, attn_factor=1.0):
    """HF Llama/Qwen2/Qwen3/Mistral forward in float64 over weights P (HF row order); logits per position."""
    T = len(tokens)
    x = P["tok"].double()[torch.tensor(tokens)]
    ang = torch.outer(torch.arange(T).double(), inv)
    cos, sin = torch.cat([ang.cos()] * 2, -1) * attn_factor, torch.cat([ang.sin()] * 2, -1) * attn_factor
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    visible = (j <= i) & ((i - j < window) if window else True)  # Mistral: the last `window` tokens
    mask = torch.where(visible, 0.0, float("-inf")).double()
    for l in range(layers):
        h = rms(x, P[f"{l}.an"])
        q, k, v = (h @ P[f"{l}.{n}"].double().T for n in "qkv")
        if bias:
            q, k, v = q + P[f"{l}.qb"].double(), k + P[f"{l}.kb"].double(), v + P[f"{l}.vb"].double()
        q = q.view(T, heads, head).transpose(0, 1)
        k = k.view(T, kv_heads, head).transpose(0, 1)
        v = v.view(T, kv_heads, head).transpose(0, 1)
        if qk_norm:
            q, k = rms(q, P[f"{l}.qn"]), rms(k, P[f"{l}.kn"])
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        k, v = k.repeat_interleave(heads // kv_heads, 0), v.repeat_interleave(heads // kv_heads, 0)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(head) + mask, -1)
        x = x + (att @ v).transpose(0, 1).reshape(T, heads * head) @ P[f"{l}.o"].double().T
        h = rms(x, P[f"{l}.fn"])
        x = x + (torch.nn.functional.silu(h @ P[f"{l}.g"].double().T) * (h @ P[f"{l}.u"].double().T)) @ P[f"{l}.d"].double().T
    return rms(x, P["norm"]) @ P["out"].double().T

def random_weights(seed, dim, layers, heads, kv_heads, head, ffn, vocab, bias=False, qk_norm=False):
    """The weights of a tiny Llama-family model under short keys (HF row order), drawn from one seeded generator."""
    g = torch.Generator().manual_seed(seed)
    w = lambda *s, scale=0.08: (torch.randn(*s, generator=g) * scale).float()
    P = {"tok": w(vocab, dim, scale=0.5), "norm": 1 + w(dim, scale=0.1), "out": w(vocab, dim)}
    for l in range(layers):
        P.update({f"{l}.an": 1 + w(dim, scale=0.1), f"{l}.q": w(heads * head, dim), f"{l}.k": w(kv_heads * head, dim),
                  f"{l}.v": w(kv_heads * head, dim), f"{l}.o": w(dim, heads * head), f"{l}.fn": 1 + w(dim, scale=0.1),
                  f"{l}.g": w(ffn, dim), f"{l}.u": w(ffn, dim), f"{l}.d": w(dim, ffn)})
        if bias:
            P.update({f"{l}.qb": w(heads * head, scale=0.3), f"{l}.kb": w(kv_heads * head, scale=0.3), f"{l}.vb": w(kv_heads * head, scale=0.3)})
        if qk_norm:
            P.update({f"{l}.qn": 1 + w(head, scale=0.2), f"{l}.kn": 1 + w(head, scale=0.2)})
    return P

def build(name, arch, dim=64, layers=2, heads=4, kv_heads=2, head=None, ffn=128, vocab=101, theta=10000.0,
          bias=False, qk_norm=False, scaling=None, rope_type=None, factor=1.0, orig_ctx=0, window=0, f16=False, quant=None, seed=0):
    head = head or dim // heads
    P = random_weights(seed, dim, layers, heads, kv_heads, head, ffn, vocab, bias, qk_norm)
    if f16:  # matrices stored as F16: the reference runs on the rounded values
        P = {k: (t.half().float() if t.dim() == 2 else t) for k, t in P.items()}
    if quant:  # matrices stored as ggml blocks: the reference runs on the dequantized values
        P = {k: (torch.from_numpy(QUANT[quant](t.numpy())[1]) if t.dim() == 2 else t) for k, t in P.items()}
    inv = 1.0 / (theta ** (torch.arange(0, head, 2).double() / head))
    freq_factors = None
    if scaling:
        scaled = llama3_inv_freq(inv, *scaling)
        freq_factors = (inv / scaled).float()
        inv = scaled
    attn_factor = 1.0
    if rope_type == "linear":
        inv = inv / factor
    elif rope_type == "yarn":
        inv, attn_factor = yarn_inv_freq(head, theta, factor, orig_ctx)

    forward = lambda tokens: llama_forward(P, tokens, layers, heads, kv_heads, head, inv, bias=bias, qk_norm=qk_norm,
                                           window=window, attn_factor=attn_factor)

    neox = arch in ("qwen2", "qwen3")  # llama.cpp keeps HF's row order for NeoX-style archs
    qw = (lambda t, n: t) if neox else (lambda t, n: permute(t.numpy(), n))
    kv = [("general.architecture", 8, arch), (f"{arch}.context_length", 4, 256), (f"{arch}.embedding_length", 4, dim),
          (f"{arch}.block_count", 4, layers), (f"{arch}.feed_forward_length", 4, ffn), (f"{arch}.attention.head_count", 4, heads),
          (f"{arch}.attention.head_count_kv", 4, kv_heads), (f"{arch}.rope.freq_base", 6, theta),
          (f"{arch}.attention.layer_norm_rms_epsilon", 6, EPS), (f"{arch}.attention.key_length", 4, head),
          (f"{arch}.attention.value_length", 4, head), (f"{arch}.rope.dimension_count", 4, head)]
    if rope_type:
        kv += [(f"{arch}.rope.scaling.type", 8, rope_type), (f"{arch}.rope.scaling.factor", 6, factor)]
    if orig_ctx:
        kv.append((f"{arch}.rope.scaling.original_context_length", 4, orig_ctx))
    if window:
        kv.append((f"{arch}.attention.sliding_window", 4, window))
    T = [("token_embd.weight", P["tok"]), ("output_norm.weight", P["norm"]), ("output.weight", P["out"])]
    if freq_factors is not None:
        T.append(("rope_freqs.weight", freq_factors))
    for l in range(layers):
        b = f"blk.{l}."
        T += [(b + "attn_norm.weight", P[f"{l}.an"]), (b + "attn_q.weight", qw(P[f"{l}.q"], heads)),
              (b + "attn_k.weight", qw(P[f"{l}.k"], kv_heads)), (b + "attn_v.weight", P[f"{l}.v"]),
              (b + "attn_output.weight", P[f"{l}.o"]), (b + "ffn_norm.weight", P[f"{l}.fn"]),
              (b + "ffn_gate.weight", P[f"{l}.g"]), (b + "ffn_up.weight", P[f"{l}.u"]), (b + "ffn_down.weight", P[f"{l}.d"])]
        if bias:
            T += [(b + "attn_q.bias", P[f"{l}.qb"]), (b + "attn_k.bias", P[f"{l}.kb"]), (b + "attn_v.bias", P[f"{l}.vb"])]
        if qk_norm:
            T += [(b + "attn_q_norm.weight", P[f"{l}.qn"]), (b + "attn_k_norm.weight", P[f"{l}.kn"])]
    out = os.path.join(root, "jllm-models", "src", "test", "resources", "models", name)
    os.makedirs(out, exist_ok=True)
    write_gguf(os.path.join(out, "model.gguf"), kv, T, f16, quant)
    hf = {"model.embed_tokens.weight": P["tok"], "model.norm.weight": P["norm"], "lm_head.weight": P["out"]}
    names = {"an": "input_layernorm.weight", "q": "self_attn.q_proj.weight", "k": "self_attn.k_proj.weight",
             "v": "self_attn.v_proj.weight", "o": "self_attn.o_proj.weight", "fn": "post_attention_layernorm.weight",
             "g": "mlp.gate_proj.weight", "u": "mlp.up_proj.weight", "d": "mlp.down_proj.weight",
             "qb": "self_attn.q_proj.bias", "kb": "self_attn.k_proj.bias", "vb": "self_attn.v_proj.bias",
             "qn": "self_attn.q_norm.weight", "kn": "self_attn.k_norm.weight"}
    for key, t in P.items():
        if "." in key:
            l, n = key.split(".")
            hf[f"model.layers.{l}.{names[n]}"] = t
    cfg = {"architectures": [{"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM", "qwen3": "Qwen3ForCausalLM"}[arch]],
           "model_type": "mistral" if window else arch, "hidden_size": dim, "intermediate_size": ffn,
           "num_hidden_layers": layers, "num_attention_heads": heads, "num_key_value_heads": kv_heads, "head_dim": head,
           "rms_norm_eps": EPS, "rope_theta": theta, "vocab_size": vocab, "max_position_embeddings": 256,
           "tie_word_embeddings": False, "torch_dtype": "float32"}
    if scaling:
        cfg["rope_scaling"] = {"rope_type": "llama3", "factor": scaling[0], "low_freq_factor": scaling[1],
                               "high_freq_factor": scaling[2], "original_max_position_embeddings": scaling[3]}
    elif rope_type == "linear":
        cfg["rope_scaling"] = {"rope_type": "linear", "factor": factor}
    elif rope_type == "yarn":
        cfg["rope_scaling"] = {"rope_type": "yarn", "factor": factor, "original_max_position_embeddings": orig_ctx}
    if window:
        cfg["sliding_window"] = window
    if arch == "qwen2":
        cfg["use_sliding_window"] = False
    if not quant:
        write_hf(out, cfg, hf, f16)
    seq = list(TOKENS)
    logits = forward(TOKENS).float()
    for _ in range(32):  # greedy continuation, one full forward per step
        seq.append(int(forward(seq)[-1].argmax()))
    with open(os.path.join(out, "greedy.txt"), "w") as f:
        f.write(" ".join(map(str, seq[len(TOKENS):])) + "\n")
    with open(os.path.join(out, "golden.txt"), "w") as f:
        f.write(" ".join(map(str, TOKENS)) + "\n")
        for row in logits.tolist():
            f.write(" ".join("%.7g" % v for v in row) + "\n")
    print("wrote", out)

def yarn_inv_freq(dim, base, factor, orig):
    """HF's YaRN table: beta_fast 32, beta_slow 1, truncated correction range, linear ramp."""
    corr = lambda rot: dim * math.log(orig / (rot * 2 * math.pi)) / (2 * math.log(base))
    low, high = max(math.floor(corr(32)), 0), min(math.ceil(corr(1)), dim - 1)
    if low == high:
        high += 0.001
    pos = base ** (torch.arange(0, dim, 2).double() / dim)
    ramp = ((torch.arange(dim // 2).double() - low) / (high - low)).clamp(0, 1)
    keep = 1 - ramp
    inv = (1 / (factor * pos)) * (1 - keep) + (1 / pos) * keep
    return inv, 0.1 * math.log(factor) + 1.0

def write_hf(out, cfg, hf, f16):
    os.makedirs(os.path.join(out, "hf"), exist_ok=True)
    with open(os.path.join(out, "hf", "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    write_safetensors(os.path.join(out, "hf", "model.safetensors"), hf, f16)

def q8_0(w):
    """ggml Q8_0, per the block layout: 32 weights -> f16 scale d = amax/127, 32 int8 q; x = d*q."""
    b = w.astype(np.float32).reshape(-1, 32)
    d = (np.abs(b).max(1) / 127).astype(np.float16)
    inv = np.where(d != 0, 1 / np.maximum(d.astype(np.float32), 1e-30), 0)
    q = np.clip(np.round(b * inv[:, None]), -127, 127).astype(np.int8)
    raw = b"".join(d[i].tobytes() + q[i].tobytes() for i in range(len(b)))
    return raw, (d.astype(np.float32)[:, None] * q).reshape(w.shape).astype(np.float32)

def q4_0(w):
    """ggml Q4_0: 32 weights -> f16 d = (signed value of largest magnitude)/-8, 16 bytes of nibbles
    (byte j: q[j] low, q[j+16] high), q in 0..15; x = d*(q-8)."""
    b = w.astype(np.float32).reshape(-1, 32)
    mx = b[np.arange(len(b)), np.abs(b).argmax(1)]
    d = (mx / -8).astype(np.float16)
    df = d.astype(np.float32)
    inv = np.where(df != 0, 1 / np.where(df != 0, df, 1), 0)
    q = np.clip(np.floor(b * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    packed = q[:, :16] | (q[:, 16:] << 4)
    raw = b"".join(d[i].tobytes() + packed[i].tobytes() for i in range(len(b)))
    return raw, (df[:, None] * (q.astype(np.float32) - 8)).reshape(w.shape).astype(np.float32)

IQ4_LEVELS = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113], dtype=np.float32)

def iq4_index(v):
    """Index of the nearest IQ4 level for each value (any nearest will do: the reference decodes the bytes written)."""
    return np.abs(v[..., None] - IQ4_LEVELS).argmin(-1).astype(np.uint8)

def iq4_nl(w):
    """ggml IQ4_NL: 32 weights -> f16 d, 16 bytes of 4-bit indices into the non-linear levels
    (byte j: index of j low, of j+16 high); x = d*level. d = (value of largest magnitude)/-127."""
    b = w.astype(np.float32).reshape(-1, 32)
    mx = b[np.arange(len(b)), np.abs(b).argmax(1)]
    d = (mx / -127).astype(np.float16)
    df = d.astype(np.float32)
    q = iq4_index(b / df[:, None])
    packed = q[:, :16] | (q[:, 16:] << 4)
    raw = b"".join(d[i].tobytes() + packed[i].tobytes() for i in range(len(b)))
    return raw, (df[:, None] * IQ4_LEVELS[q]).reshape(w.shape).astype(np.float32)

def iq4_xs(w):
    """ggml IQ4_XS: 256 weights -> f16 d, u16 scales_h, 4 bytes scales_l, 128 bytes of indices; sub-block
    ib of 32 has the 6-bit scale ls = low nibble of scales_l[ib/2] (high nibble for odd ib) | 2 bits of
    scales_h at 2*ib << 4, and x = d*(ls-32)*level."""
    b = w.astype(np.float32).reshape(-1, 8, 32)
    mx = np.take_along_axis(b, np.abs(b).argmax(2)[..., None], 2)[..., 0]
    sub = mx / -127                                    # ideal scale per sub-block
    d = (np.abs(sub).max(1) / 31).astype(np.float16)   # so that |l| <= 31
    df = d.astype(np.float32)
    l = np.clip(np.round(sub / np.where(df != 0, df, 1)[:, None]), -32, 31).astype(np.int32)
    dl = df[:, None] * l
    q = iq4_index(b / np.where(dl != 0, dl, 1)[..., None])
    ls = l + 32
    raw = b""
    for i in range(len(b)):
        scales_h = sum(int(ls[i, ib] >> 4) << (2 * ib) for ib in range(8))
        scales_l = bytes(int(ls[i, 2 * k] & 0xF) | (int(ls[i, 2 * k + 1] & 0xF) << 4) for k in range(4))
        qs = b"".join((q[i, ib, :16] | (q[i, ib, 16:] << 4)).tobytes() for ib in range(8))
        raw += d[i].tobytes() + struct.pack("<H", scales_h) + scales_l + qs
    return raw, (dl[..., None] * IQ4_LEVELS[q]).reshape(w.shape).astype(np.float32)

QUANT = {"q8_0": q8_0, "q4_0": q4_0, "iq4_nl": iq4_nl, "iq4_xs": iq4_xs}
GGML_TYPE = {"q8_0": 8, "q4_0": 2, "iq4_nl": 20, "iq4_xs": 23}

def write_safetensors(path, tensors, f16=False):
    """safetensors: u64 header length, JSON header {name: dtype, shape, data_offsets}, raw little-endian data."""
    header, datas, off = {}, [], 0
    for name in sorted(tensors):
        half = f16 and np.ndim(tensors[name]) == 2
        a = np.ascontiguousarray(np.asarray(tensors[name], dtype="<f2" if half else "<f4"))
        header[name] = {"dtype": "F16" if half else "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
        datas.append(a.tobytes())
        off += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(datas))

def write_gguf(path, kv, tensors, f16=False, quant=None):
    s = lambda x: struct.pack("<Q", len(x.encode())) + x.encode()
    body = struct.pack("<IIQQ", 0x46554747, 3, len(tensors), len(kv))
    for key, t, val in kv:
        body += s(key) + struct.pack("<I", t) + (s(val) if t == 8 else struct.pack("<I", val) if t == 4 else struct.pack("<f", val))
    off, datas = 0, []
    for name, t in tensors:
        half = f16 and np.ndim(t) == 2  # ggml type 1 = F16, 0 = F32
        a = np.ascontiguousarray(np.asarray(t, dtype=np.float16 if half else np.float32))
        blocks = quant and a.ndim == 2
        ggml = GGML_TYPE[quant] if blocks else 1 if half else 0
        body += s(name) + struct.pack("<I", a.ndim) + b"".join(struct.pack("<Q", d) for d in reversed(a.shape)) + struct.pack("<IQ", ggml, off)
        datas.append(QUANT[quant](a)[0] if blocks else a.tobytes())
        off += (len(datas[-1]) + 31) // 32 * 32
    body += b"\0" * ((-len(body)) % 32)
    for d in datas:
        body += d + b"\0" * ((-len(d)) % 32)
    open(path, "wb").write(body)

if __name__ == "__main__":
    build("qwen2-tiny", "qwen2", theta=1000000.0, bias=True, seed=2)
    build("qwen3-tiny", "qwen3", head=32, qk_norm=True, seed=3)
    build("llama3-scaled", "llama", theta=500000.0, scaling=(8.0, 1.0, 4.0, 16), seed=4)
    build("llama-linear", "llama", head=16, rope_type="linear", factor=4.0, seed=5)
    build("llama-yarn", "llama", head=16, rope_type="yarn", factor=4.0, orig_ctx=32, seed=6)
    build("mistral-swa", "llama", window=6, seed=7)
    build("llama-f16", "llama", f16=True, seed=8)
    build("llama-q8_0", "llama", quant="q8_0", seed=9)
    build("llama-q4_0", "llama", quant="q4_0", seed=10)
    build("llama-iq4_nl", "llama", quant="iq4_nl", seed=12)
    build("llama-iq4_xs", "llama", dim=256, head=64, ffn=512, quant="iq4_xs", seed=13)
