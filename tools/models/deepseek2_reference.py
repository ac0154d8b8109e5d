#!/usr/bin/python3
"""Tiny random-weight DeepSeek-V2/V3 models (llama.cpp arch deepseek2) and their PyTorch reference.

The reference follows Hugging Face's DeepseekV2/DeepseekV3 modeling code, in float64, in its
plain (non-absorbed) form: per-head k_nope and v are decompressed from the normalized KV latent
with kv_b_proj, the rotary key is shared by all heads, RoPE uses DeepSeek's interleaved layout
(view(d/2, 2).transpose then rotate_half), YaRN frequencies with softmax scale x mscale^2.
MoE: the first first_k_dense_replace blocks are dense SwiGLU; the others route to
num_experts_per_tok of n_routed_experts experts and add the shared experts' MLP.
Variants:
  deepseek2-lite  V2-Lite style: no q compression (attn_q), the fused attn_kv_b tensor of older
                  GGUFs, softmax gating, greedy top-3 of 8, weights NOT normalized but scaled by
                  routed_scaling_factor 1.5, 2 shared experts; plain RoPE
  deepseek3-tiny  V3 style: q_a/q_a_norm/q_b, the split attn_k_b [heads, rank, nope] and attn_v_b
                  [heads, v, rank] of current llama.cpp conversions (kv_lora_rank-wide MQA
                  cache), sigmoid gating with the selection-only bias exp_probs_b,
                  group-limited routing (4 groups of 2, best 2 groups by top-2 sum), top-3
                  normalized then scaled by 2.5, 1 shared expert; YaRN factor 4 over an original
                  context of 32 with mscale = mscale_all_dim = 1
  deepseek3-q8_0  deepseek3-tiny's shapes with the matrices as ggml Q8_0 (routers F32, as
                  llama.cpp's quantizer leaves them); the reference runs on the dequantized weights
Writes jllm-models/src/test/resources/models/<variant>/{model.gguf, golden.txt, greedy.txt} and, for
the F32 variants, the same weights as a Hugging Face checkpoint in <variant>/hf/ (config.json with
kv_lora_rank, topk_method, scoring_func, rope_scaling...; per-expert mlp.experts.E tensors).
"""
import json, math, os
import torch
from gguf_io import demo_tokenizer, demo_path, write_safetensors, FIXTURES, U32, F32, BOOL, STRING, write_gguf, write_golden, dequantized, rms, rotate_half, causal_mask

EPS = 1e-6

def yarn(dim, base, factor, orig, beta_fast=32, beta_slow=1):
    """DeepseekV2YarnRotaryEmbedding's inverse frequencies."""
    corr = lambda rot: (dim * math.log(orig / (rot * 2 * math.pi))) / (2 * math.log(base))
    low, high = max(math.floor(corr(beta_fast)), 0), min(math.ceil(corr(beta_slow)), dim - 1)
    if low == high:
        high += 0.001
    extra = 1.0 / (base ** (torch.arange(0, dim, 2).double() / dim))
    inter = 1.0 / (factor * base ** (torch.arange(0, dim, 2).double() / dim))
    mask = 1 - ((torch.arange(dim // 2).double() - low) / (high - low)).clamp(0, 1)
    return inter * (1 - mask) + extra * mask

def mscale(factor, m):
    return 1.0 if factor <= 1 else 0.1 * m * math.log(factor) + 1.0

def build(name, dim=64, layers=2, heads=4, q_rank=0, kv_rank=32, nope=32, rope=16, v_dim=32, ffn=96, experts=8, used=3,
          expert_ffn=32, shared=1, dense=1, vocab=101, theta=10000.0, gating="softmax", bias=False, groups=0, groups_used=0,
          norm=False, scale=1.0, yarn_factor=0.0, yarn_orig=0, mscale_all=1.0, split_kv_b=False, quantize=False, seed=0, demo=None):
    tok_kv = []
    if demo:  # a demo file for the CLI: jllm's Brown 1k BPE tokenizer inside, vocab sized to it
        tok_kv, vocab = demo_tokenizer()
    g = torch.Generator().manual_seed(seed)
    w = lambda *s, scale=0.08: (torch.randn(*s, generator=g) * scale).float()
    qk = nope + rope
    P = {"tok": w(vocab, dim, scale=0.5), "norm": 1 + w(dim, scale=0.1), "out": w(vocab, dim)}
    for l in range(layers):
        P.update({f"{l}.an": 1 + w(dim, scale=0.1), f"{l}.kva": w(kv_rank + rope, dim, scale=0.15),
                  f"{l}.kvan": 1 + w(kv_rank, scale=0.1), f"{l}.kvb": w(heads * (nope + v_dim), kv_rank, scale=0.15),
                  f"{l}.o": w(dim, heads * v_dim), f"{l}.fn": 1 + w(dim, scale=0.1)})
        if q_rank:
            P.update({f"{l}.qa": w(q_rank, dim, scale=0.15), f"{l}.qan": 1 + w(q_rank, scale=0.1), f"{l}.qb": w(heads * qk, q_rank, scale=0.15)})
        else:
            P[f"{l}.q"] = w(heads * qk, dim)
        if l < dense:
            P.update({f"{l}.g": w(ffn, dim), f"{l}.u": w(ffn, dim), f"{l}.d": w(dim, ffn)})
        else:
            P.update({f"{l}.router": w(experts, dim, scale=0.5), f"{l}.ge": w(experts, expert_ffn, dim, scale=0.15),
                      f"{l}.ue": w(experts, expert_ffn, dim, scale=0.15), f"{l}.de": w(experts, dim, expert_ffn, scale=0.15),
                      f"{l}.sg": w(shared * expert_ffn, dim, scale=0.15), f"{l}.su": w(shared * expert_ffn, dim, scale=0.15),
                      f"{l}.sd": w(dim, shared * expert_ffn, scale=0.15)})
            if bias:
                P[f"{l}.bias"] = w(experts, scale=0.05)
    R = dequantized(P, quantize, keep={f"{l}.router" for l in range(layers)})
    D = lambda k: R[k].double()
    if yarn_factor:
        inv = yarn(rope, theta, yarn_factor, yarn_orig)
        softmax_scale = qk ** -0.5 * mscale(yarn_factor, mscale_all) ** 2
        cos_scale = mscale(yarn_factor, mscale_all) / mscale(yarn_factor, mscale_all)  # mscale == mscale_all_dim
    else:
        inv = 1.0 / (theta ** (torch.arange(0, rope, 2).double() / rope))
        softmax_scale, cos_scale = qk ** -0.5, 1.0

    def deepseek_rope(x, cos, sin):
        # DeepSeek's apply_rotary_pos_emb: de-interleave (pairs 2i, 2i+1 -> i, i + d/2), then rotate_half
        *lead, d = x.shape
        x = x.view(*lead, d // 2, 2).transpose(-1, -2).reshape(*lead, d)
        return x * cos + rotate_half(x) * sin

    def swiglu(x, gw, uw, dw):
        return (torch.nn.functional.silu(x @ gw.T) * (x @ uw.T)) @ dw.T

    def moe(l, h):
        logits = h @ D(f"{l}.router").T
        scores = torch.softmax(logits, -1) if gating == "softmax" else torch.sigmoid(logits)
        choice = scores + D(f"{l}.bias") if bias else scores.clone()
        if groups > 1:
            grouped = choice.view(h.shape[0], groups, -1)
            gscore = grouped.topk(2, -1)[0].sum(-1) if bias else grouped.max(-1).values
            keep = torch.zeros_like(gscore).scatter_(1, gscore.topk(groups_used, -1)[1], 1.0)
            mask = keep.unsqueeze(-1).expand(-1, -1, experts // groups).reshape(h.shape[0], -1)
            choice = choice.masked_fill(mask == 0, float("-inf"))
        idx = choice.topk(used, -1)[1]
        wts = scores.gather(1, idx)
        if norm:
            wts = wts / (wts.sum(-1, keepdim=True) + 1e-20)
        wts = wts * scale
        out = torch.zeros_like(h)
        for t in range(h.shape[0]):
            for i in range(used):
                e = int(idx[t, i])
                out[t] += wts[t, i] * swiglu(h[t], D(f"{l}.ge")[e], D(f"{l}.ue")[e], D(f"{l}.de")[e])
        return out + swiglu(h, D(f"{l}.sg"), D(f"{l}.su"), D(f"{l}.sd"))

    def forward(tokens):
        T = len(tokens)
        x = D("tok")[torch.tensor(tokens)]
        ang = torch.outer(torch.arange(T).double(), inv)
        cos, sin = torch.cat([ang.cos()] * 2, -1) * cos_scale, torch.cat([ang.sin()] * 2, -1) * cos_scale
        for l in range(layers):
            h = rms(x, R[f"{l}.an"], EPS)
            q = (rms(h @ D(f"{l}.qa").T, R[f"{l}.qan"], EPS) @ D(f"{l}.qb").T) if q_rank else h @ D(f"{l}.q").T
            q = q.view(T, heads, qk).transpose(0, 1)
            q_nope, q_pe = q[..., :nope], q[..., nope:]
            ckv = h @ D(f"{l}.kva").T
            latent, k_pe = ckv[:, :kv_rank], ckv[:, kv_rank:]
            kv = (rms(latent, R[f"{l}.kvan"], EPS) @ D(f"{l}.kvb").T).view(T, heads, nope + v_dim).transpose(0, 1)
            k_nope, v = kv[..., :nope], kv[..., nope:]
            q_pe, k_pe = deepseek_rope(q_pe, cos, sin), deepseek_rope(k_pe.view(1, T, rope), cos, sin)
            query = torch.cat([q_nope, q_pe], -1)
            key = torch.cat([k_nope, k_pe.expand(heads, T, rope)], -1)
            att = torch.softmax(query @ key.transpose(1, 2) * softmax_scale + causal_mask(T), -1)
            x = x + (att @ v).transpose(0, 1).reshape(T, heads * v_dim) @ D(f"{l}.o").T
            h = rms(x, R[f"{l}.fn"], EPS)
            x = x + (swiglu(h, D(f"{l}.g"), D(f"{l}.u"), D(f"{l}.d")) if l < dense else moe(l, h))
        return rms(x, R["norm"], EPS) @ D("out").T

    a = "deepseek2"
    kv = [("general.architecture", STRING, a), (f"{a}.context_length", U32, 256), (f"{a}.embedding_length", U32, dim),
          (f"{a}.block_count", U32, layers), (f"{a}.feed_forward_length", U32, ffn), (f"{a}.attention.head_count", U32, heads),
          (f"{a}.rope.freq_base", F32, theta), (f"{a}.attention.layer_norm_rms_epsilon", F32, EPS),
          (f"{a}.rope.dimension_count", U32, rope), (f"{a}.attention.kv_lora_rank", U32, kv_rank),
          (f"{a}.leading_dense_block_count", U32, dense), (f"{a}.expert_feed_forward_length", U32, expert_ffn),
          (f"{a}.expert_count", U32, experts), (f"{a}.expert_used_count", U32, used), (f"{a}.expert_shared_count", U32, shared),
          (f"{a}.expert_weights_scale", F32, scale), (f"{a}.vocab_size", U32, vocab)]
    if split_kv_b:  # current converter: MLA as MQA over the latent
        kv += [(f"{a}.attention.head_count_kv", U32, 1), (f"{a}.attention.key_length", U32, kv_rank + rope),
               (f"{a}.attention.value_length", U32, kv_rank), (f"{a}.attention.key_length_mla", U32, qk),
               (f"{a}.attention.value_length_mla", U32, v_dim)]
    else:  # older converter: per-head sizes
        kv += [(f"{a}.attention.head_count_kv", U32, heads), (f"{a}.attention.key_length", U32, qk),
               (f"{a}.attention.value_length", U32, v_dim)]
    if q_rank:
        kv.append((f"{a}.attention.q_lora_rank", U32, q_rank))
    if norm:
        kv.append((f"{a}.expert_weights_norm", BOOL, True))
    if gating == "sigmoid":
        kv.append((f"{a}.expert_gating_func", U32, 2))
    if groups:
        kv += [(f"{a}.expert_group_count", U32, groups), (f"{a}.expert_group_used_count", U32, groups_used)]
    if yarn_factor:
        kv += [(f"{a}.rope.scaling.type", STRING, "yarn"), (f"{a}.rope.scaling.factor", F32, yarn_factor),
               (f"{a}.rope.scaling.original_context_length", U32, yarn_orig),
               (f"{a}.rope.scaling.yarn_log_multiplier", F32, 0.1 * mscale_all)]
    T = [("token_embd.weight", P["tok"]), ("output_norm.weight", P["norm"]), ("output.weight", P["out"])]
    for l in range(layers):
        b = f"blk.{l}."
        T += [(b + "attn_norm.weight", P[f"{l}.an"]), (b + "attn_kv_a_mqa.weight", P[f"{l}.kva"]),
              (b + "attn_kv_a_norm.weight", P[f"{l}.kvan"]), (b + "attn_output.weight", P[f"{l}.o"]),
              (b + "ffn_norm.weight", P[f"{l}.fn"])]
        if split_kv_b:  # per head: k_b transposed to [rank, nope], v_b [v, rank]
            kvb = P[f"{l}.kvb"].view(heads, nope + v_dim, kv_rank)
            T += [(b + "attn_k_b.weight", kvb[:, :nope, :].transpose(1, 2).contiguous()),
                  (b + "attn_v_b.weight", kvb[:, nope:, :].contiguous())]
        else:
            T.append((b + "attn_kv_b.weight", P[f"{l}.kvb"]))
        if q_rank:
            T += [(b + "attn_q_a.weight", P[f"{l}.qa"]), (b + "attn_q_a_norm.weight", P[f"{l}.qan"]), (b + "attn_q_b.weight", P[f"{l}.qb"])]
        else:
            T.append((b + "attn_q.weight", P[f"{l}.q"]))
        if l < dense:
            T += [(b + "ffn_gate.weight", P[f"{l}.g"]), (b + "ffn_up.weight", P[f"{l}.u"]), (b + "ffn_down.weight", P[f"{l}.d"])]
        else:
            T += [(b + "ffn_gate_inp.weight", P[f"{l}.router"]), (b + "ffn_gate_exps.weight", P[f"{l}.ge"]),
                  (b + "ffn_up_exps.weight", P[f"{l}.ue"]), (b + "ffn_down_exps.weight", P[f"{l}.de"]),
                  (b + "ffn_gate_shexp.weight", P[f"{l}.sg"]), (b + "ffn_up_shexp.weight", P[f"{l}.su"]),
                  (b + "ffn_down_shexp.weight", P[f"{l}.sd"])]
            if bias:
                T.append((b + "exp_probs_b.bias", P[f"{l}.bias"]))
    if demo:
        write_gguf(demo, kv + tok_kv, T, quantize)
        print("wrote", demo)
        return
    out = os.path.join(FIXTURES, name)
    os.makedirs(out, exist_ok=True)
    write_gguf(os.path.join(out, "model.gguf"), kv, T, quantize)
    if not quantize:  # the same weights as a Hugging Face checkpoint (DeepseekV2/V3ForCausalLM names)
        hf = {"model.embed_tokens.weight": P["tok"], "model.norm.weight": P["norm"], "lm_head.weight": P["out"]}
        names = {"an": "input_layernorm", "kva": "self_attn.kv_a_proj_with_mqa", "kvan": "self_attn.kv_a_layernorm",
                 "kvb": "self_attn.kv_b_proj", "o": "self_attn.o_proj", "fn": "post_attention_layernorm", "q": "self_attn.q_proj",
                 "qa": "self_attn.q_a_proj", "qan": "self_attn.q_a_layernorm", "qb": "self_attn.q_b_proj", "g": "mlp.gate_proj",
                 "u": "mlp.up_proj", "d": "mlp.down_proj", "router": "mlp.gate", "sg": "mlp.shared_experts.gate_proj",
                 "su": "mlp.shared_experts.up_proj", "sd": "mlp.shared_experts.down_proj"}
        for key, t in P.items():
            l, _, n = key.partition(".")
            if not l.isdigit():
                continue
            if n in ("ge", "ue", "de"):
                for e in range(experts):
                    hf[f"model.layers.{l}.mlp.experts.{e}.{dict(ge='gate', ue='up', de='down')[n]}_proj.weight"] = t[e]
            elif n == "bias":
                hf[f"model.layers.{l}.mlp.gate.e_score_correction_bias"] = t
            else:
                hf[f"model.layers.{l}.{names[n]}.weight"] = t
        v3 = gating == "sigmoid"
        cfg = {"architectures": ["DeepseekV3ForCausalLM" if v3 else "DeepseekV2ForCausalLM"],
               "model_type": "deepseek_v3" if v3 else "deepseek_v2", "hidden_size": dim, "intermediate_size": ffn,
               "moe_intermediate_size": expert_ffn, "num_hidden_layers": layers, "num_attention_heads": heads,
               "num_key_value_heads": heads, "n_shared_experts": shared, "n_routed_experts": experts,
               "routed_scaling_factor": scale, "kv_lora_rank": kv_rank, "q_lora_rank": q_rank or None,
               "qk_rope_head_dim": rope, "qk_nope_head_dim": nope, "v_head_dim": v_dim,
               "topk_method": "noaux_tc" if v3 else ("group_limited_greedy" if groups else "greedy"),
               "n_group": groups or 1, "topk_group": groups_used or 1, "num_experts_per_tok": used,
               "first_k_dense_replace": dense, "norm_topk_prob": norm, "scoring_func": gating, "rms_norm_eps": EPS,
               "rope_theta": theta, "max_position_embeddings": 256, "vocab_size": vocab, "tie_word_embeddings": False,
               "rope_scaling": {"type": "yarn", "factor": yarn_factor, "original_max_position_embeddings": yarn_orig,
                                "beta_fast": 32, "beta_slow": 1, "mscale": mscale_all, "mscale_all_dim": mscale_all}
               if yarn_factor else None}
        os.makedirs(os.path.join(out, "hf"), exist_ok=True)
        with open(os.path.join(out, "hf", "config.json"), "w") as f:
            json.dump(cfg, f, indent=1)
        write_safetensors(os.path.join(out, "hf", "model.safetensors"), hf)
    write_golden(out, forward)

V3 = dict(q_rank=32, gating="sigmoid", bias=True, groups=4, groups_used=2, norm=True, scale=2.5, shared=1,
          yarn_factor=4.0, yarn_orig=32, mscale_all=1.0, split_kv_b=True)

if __name__ == "__main__":
    if demo_path():
        build("deepseek3-demo", seed=42, demo=demo_path(), **V3)
        raise SystemExit
    build("deepseek2-lite", scale=1.5, shared=2, seed=41)
    build("deepseek3-tiny", seed=42, **V3)
    build("deepseek3-q8_0", quantize=True, seed=43, **V3)
