#!/usr/bin/python3
"""Tiny random-weight sparse mixture-of-experts models and their PyTorch reference logits.

Variants, each written as a GGUF file the way llama.cpp's converter writes one (expert weights
merged into 3-D tensors [experts, rows, cols] named ffn_{gate,up,down}_exps):
  mixtral-tiny   arch llama + llama.expert_count/expert_used_count (Mixtral): 4 experts, top 2,
                 softmax over all router logits then the chosen two renormalized (= softmax over
                 the two selected logits); q/k rows permuted for llama.cpp's adjacent-pair RoPE
  mixtral-q8_0   the same with every matrix (3-D expert tensors included) as ggml Q8_0 blocks but
                 the router, kept F32 as llama.cpp's quantizer keeps it; the reference runs on the
                 dequantized weights
  qwen2moe-tiny  arch qwen2moe: q/k/v biases, NeoX RoPE, softmax over all experts then top 2
                 WITHOUT renormalization (norm_topk_prob false), plus a shared expert whose
                 output is scaled by sigmoid(ffn_gate_inp_shexp . x)
  qwen3moe-tiny  arch qwen3moe: q/k RMSNorm, head_dim 32 != 64/4, top 2 renormalized
Reference semantics are Hugging Face's modeling code (MixtralSparseMoeBlock,
Qwen2MoeSparseMoeBlock, Qwen3MoeSparseMoeBlock), in float64.
Writes jllm-models/src/test/resources/models/<variant>/{model.gguf, golden.txt, greedy.txt} and, for
the F32 variants, the same weights as a Hugging Face checkpoint in <variant>/hf/ (Mixtral's
block_sparse_moe.experts.E.w1/w3/w2, Qwen's mlp.experts.E.*_proj, mlp.shared_expert(_gate)).
"""
import json, math, os
import torch
from gguf_io import (demo_tokenizer, demo_path, write_safetensors, FIXTURES, TOKENS, U32, F32, BOOL, STRING, write_gguf, write_golden, dequantized, rms,
                     rotate_half, causal_mask, permute)

EPS = 1e-6

def build(name, arch, dim=64, layers=2, heads=4, kv_heads=2, head=None, experts=4, used=2, ffn=32, shared_ffn=0,
          vocab=101, theta=10000.0, bias=False, qk_norm=False, norm_topk=True, quantize=False, seed=0, demo=None):
    tok_kv = []
    if demo:  # a demo file for the CLI: jllm's Brown 1k BPE tokenizer inside, vocab sized to it
        tok_kv, vocab = demo_tokenizer()
    head = head or dim // heads
    g = torch.Generator().manual_seed(seed)
    w = lambda *s, scale=0.08: (torch.randn(*s, generator=g) * scale).float()
    P = {"tok": w(vocab, dim, scale=0.5), "norm": 1 + w(dim, scale=0.1), "out": w(vocab, dim)}
    for l in range(layers):
        P.update({f"{l}.an": 1 + w(dim, scale=0.1), f"{l}.q": w(heads * head, dim), f"{l}.k": w(kv_heads * head, dim),
                  f"{l}.v": w(kv_heads * head, dim), f"{l}.o": w(dim, heads * head), f"{l}.fn": 1 + w(dim, scale=0.1),
                  f"{l}.router": w(experts, dim, scale=0.5), f"{l}.ge": w(experts, ffn, dim, scale=0.15),
                  f"{l}.ue": w(experts, ffn, dim, scale=0.15), f"{l}.de": w(experts, dim, ffn, scale=0.15)})
        if bias:
            P.update({f"{l}.qb": w(heads * head, scale=0.3), f"{l}.kb": w(kv_heads * head, scale=0.3), f"{l}.vb": w(kv_heads * head, scale=0.3)})
        if qk_norm:
            P.update({f"{l}.qn": 1 + w(head, scale=0.2), f"{l}.kn": 1 + w(head, scale=0.2)})
        if shared_ffn:
            P.update({f"{l}.sg": w(shared_ffn, dim, scale=0.15), f"{l}.su": w(shared_ffn, dim, scale=0.15),
                      f"{l}.sd": w(dim, shared_ffn, scale=0.15), f"{l}.sgate": w(dim, scale=0.3)})
    R = dequantized(P, quantize, keep={f"{l}.router" for l in range(layers)})
    D = lambda k: R[k].double()
    inv = 1.0 / (theta ** (torch.arange(0, head, 2).double() / head))

    def swiglu(x, gw, uw, dw):
        return (torch.nn.functional.silu(x @ gw.T) * (x @ uw.T)) @ dw.T

    def moe(l, h):
        probs = torch.softmax(h @ D(f"{l}.router").T, -1)
        top, idx = probs.topk(used, -1)
        if norm_topk:
            top = top / top.sum(-1, keepdim=True)
        out = torch.zeros_like(h)
        for t in range(h.shape[0]):
            for i in range(used):
                e = int(idx[t, i])
                out[t] += top[t, i] * swiglu(h[t], D(f"{l}.ge")[e], D(f"{l}.ue")[e], D(f"{l}.de")[e])
        if shared_ffn:
            gate = torch.sigmoid(h @ D(f"{l}.sgate"))[:, None]
            out = out + gate * swiglu(h, D(f"{l}.sg"), D(f"{l}.su"), D(f"{l}.sd"))
        return out

    def forward(tokens):
        T = len(tokens)
        x = D("tok")[torch.tensor(tokens)]
        ang = torch.outer(torch.arange(T).double(), inv)
        cos, sin = torch.cat([ang.cos()] * 2, -1), torch.cat([ang.sin()] * 2, -1)
        mask = causal_mask(T)
        for l in range(layers):
            h = rms(x, R[f"{l}.an"], EPS)
            q, k, v = (h @ D(f"{l}.{n}").T for n in "qkv")
            if bias:
                q, k, v = q + D(f"{l}.qb"), k + D(f"{l}.kb"), v + D(f"{l}.vb")
            q = q.view(T, heads, head).transpose(0, 1)
            k = k.view(T, kv_heads, head).transpose(0, 1)
            v = v.view(T, kv_heads, head).transpose(0, 1)
            if qk_norm:
                q, k = rms(q, R[f"{l}.qn"], EPS), rms(k, R[f"{l}.kn"], EPS)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            k, v = k.repeat_interleave(heads // kv_heads, 0), v.repeat_interleave(heads // kv_heads, 0)
            att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(head) + mask, -1)
            x = x + (att @ v).transpose(0, 1).reshape(T, heads * head) @ D(f"{l}.o").T
            x = x + moe(l, rms(x, R[f"{l}.fn"], EPS))
        return rms(x, R["norm"], EPS) @ D("out").T

    qk = (lambda t, n: permute(t, n)) if arch == "llama" else (lambda t, n: t)
    kv = [("general.architecture", STRING, arch), (f"{arch}.context_length", U32, 256), (f"{arch}.embedding_length", U32, dim),
          (f"{arch}.block_count", U32, layers), (f"{arch}.feed_forward_length", U32, ffn),
          (f"{arch}.attention.head_count", U32, heads), (f"{arch}.attention.head_count_kv", U32, kv_heads),
          (f"{arch}.rope.freq_base", F32, theta), (f"{arch}.attention.layer_norm_rms_epsilon", F32, EPS),
          (f"{arch}.attention.key_length", U32, head), (f"{arch}.attention.value_length", U32, head),
          (f"{arch}.rope.dimension_count", U32, head), (f"{arch}.expert_count", U32, experts),
          (f"{arch}.expert_used_count", U32, used)]
    if arch != "llama":
        kv.append((f"{arch}.expert_feed_forward_length", U32, ffn))
    if shared_ffn:
        kv.append((f"{arch}.expert_shared_feed_forward_length", U32, shared_ffn))
    if arch == "qwen3moe":
        kv.append((f"{arch}.expert_weights_norm", BOOL, norm_topk))
    T = [("token_embd.weight", P["tok"]), ("output_norm.weight", P["norm"]), ("output.weight", P["out"])]
    for l in range(layers):
        b = f"blk.{l}."
        T += [(b + "attn_norm.weight", P[f"{l}.an"]), (b + "attn_q.weight", qk(P[f"{l}.q"], heads)),
              (b + "attn_k.weight", qk(P[f"{l}.k"], kv_heads)), (b + "attn_v.weight", P[f"{l}.v"]),
              (b + "attn_output.weight", P[f"{l}.o"]), (b + "ffn_norm.weight", P[f"{l}.fn"]),
              (b + "ffn_gate_inp.weight", P[f"{l}.router"]), (b + "ffn_gate_exps.weight", P[f"{l}.ge"]),
              (b + "ffn_up_exps.weight", P[f"{l}.ue"]), (b + "ffn_down_exps.weight", P[f"{l}.de"])]
        if bias:
            T += [(b + "attn_q.bias", P[f"{l}.qb"]), (b + "attn_k.bias", P[f"{l}.kb"]), (b + "attn_v.bias", P[f"{l}.vb"])]
        if qk_norm:
            T += [(b + "attn_q_norm.weight", P[f"{l}.qn"]), (b + "attn_k_norm.weight", P[f"{l}.kn"])]
        if shared_ffn:
            T += [(b + "ffn_gate_inp_shexp.weight", P[f"{l}.sgate"]), (b + "ffn_gate_shexp.weight", P[f"{l}.sg"]),
                  (b + "ffn_up_shexp.weight", P[f"{l}.su"]), (b + "ffn_down_shexp.weight", P[f"{l}.sd"])]
    if demo:
        write_gguf(demo, kv + tok_kv, T, quantize)
        print("wrote", demo)
        return
    out = os.path.join(FIXTURES, name)
    os.makedirs(out, exist_ok=True)
    write_gguf(os.path.join(out, "model.gguf"), kv, T, quantize)
    if not quantize:  # the same weights as a Hugging Face checkpoint (q/k rows unpermuted, one tensor per expert)
        mixtral = arch == "llama"
        moe_prefix = "block_sparse_moe" if mixtral else "mlp"
        hf = {"model.embed_tokens.weight": P["tok"], "model.norm.weight": P["norm"], "lm_head.weight": P["out"]}
        names = {"an": "input_layernorm", "q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj",
                 "o": "self_attn.o_proj", "fn": "post_attention_layernorm", "qn": "self_attn.q_norm", "kn": "self_attn.k_norm",
                 "router": moe_prefix + ".gate", "sg": "mlp.shared_expert.gate_proj", "su": "mlp.shared_expert.up_proj",
                 "sd": "mlp.shared_expert.down_proj"}
        bias_names = {"qb": "self_attn.q_proj.bias", "kb": "self_attn.k_proj.bias", "vb": "self_attn.v_proj.bias"}
        expert_names = {"ge": "w1", "ue": "w3", "de": "w2"} if mixtral else {"ge": "gate_proj", "ue": "up_proj", "de": "down_proj"}
        for key, t in P.items():
            l, _, n = key.partition(".")
            if not l.isdigit():
                continue
            pre = f"model.layers.{l}."
            if n in expert_names:
                for e in range(experts):
                    hf[f"{pre}{moe_prefix}.experts.{e}.{expert_names[n]}.weight"] = t[e]
            elif n in bias_names:
                hf[pre + bias_names[n]] = t
            elif n == "sgate":
                hf[pre + "mlp.shared_expert_gate.weight"] = t.view(1, dim)
            else:
                hf[f"{pre}{names[n]}.weight"] = t
        cfg = {"hidden_size": dim, "num_hidden_layers": layers, "num_attention_heads": heads, "num_key_value_heads": kv_heads,
               "head_dim": head, "rms_norm_eps": EPS, "rope_theta": theta, "vocab_size": vocab, "max_position_embeddings": 256,
               "tie_word_embeddings": False, "num_experts_per_tok": used, "torch_dtype": "float32"}
        if mixtral:
            cfg.update({"architectures": ["MixtralForCausalLM"], "model_type": "mixtral", "intermediate_size": ffn,
                        "num_local_experts": experts, "sliding_window": None})
        else:
            cfg.update({"architectures": ["Qwen2MoeForCausalLM" if arch == "qwen2moe" else "Qwen3MoeForCausalLM"],
                        "model_type": "qwen2_moe" if arch == "qwen2moe" else "qwen3_moe", "intermediate_size": 96,
                        "moe_intermediate_size": ffn, "num_experts": experts, "norm_topk_prob": norm_topk,
                        "decoder_sparse_step": 1, "mlp_only_layers": [], "use_sliding_window": False})
            if shared_ffn:
                cfg["shared_expert_intermediate_size"] = shared_ffn
        os.makedirs(os.path.join(out, "hf"), exist_ok=True)
        with open(os.path.join(out, "hf", "config.json"), "w") as f:
            json.dump(cfg, f, indent=1)
        write_safetensors(os.path.join(out, "hf", "model.safetensors"), hf)
    write_golden(out, forward)

if __name__ == "__main__":
    if demo_path():
        build("mixtral-demo", "llama", seed=21, demo=demo_path())
        raise SystemExit
    build("mixtral-tiny", "llama", seed=21)
    build("mixtral-q8_0", "llama", quantize=True, seed=22)
    build("qwen2moe-tiny", "qwen2moe", theta=1000000.0, bias=True, shared_ffn=64, norm_topk=False, seed=23)
    build("qwen3moe-tiny", "qwen3moe", head=32, qk_norm=True, seed=24)
