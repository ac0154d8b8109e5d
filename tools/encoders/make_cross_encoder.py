"""Tiny random-weight BertForSequenceClassification as safetensors + config.json + reference logits.

The reference forward is written from the BERT paper / HF BertModel semantics with torch ops
(padded batch + additive attention mask, post-LayerNorm, erf GELU, tanh pooler over [CLS]).
Writes jllm-models/src/test/resources/encoders/cross/{model.safetensors,config.json,expected.json}.
Run: /usr/bin/python3 tools/encoders/make_cross_encoder.py
"""
import json, math, os, struct
import torch

torch.manual_seed(7)
H, L, NH, I, V, P, T, LABELS, EPS = 32, 2, 4, 64, 50, 40, 2, 3, 1e-12
OUT = os.path.join(os.path.dirname(__file__), "../../jllm-models/src/test/resources/encoders/cross")
os.makedirs(OUT, exist_ok=True)

w = {}
def p(name, *shape, scale=0.2):
    w[name] = (torch.randn(*shape) * scale).float()
p("bert.embeddings.word_embeddings.weight", V, H); p("bert.embeddings.position_embeddings.weight", P, H)
p("bert.embeddings.token_type_embeddings.weight", T, H)
w["bert.embeddings.LayerNorm.weight"] = 1 + torch.randn(H) * 0.1; p("bert.embeddings.LayerNorm.bias", H, scale=0.1)
for l in range(L):
    b = f"bert.encoder.layer.{l}."
    for n in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"]:
        p(b + n + ".weight", H, H); p(b + n + ".bias", H, scale=0.1)
    p(b + "intermediate.dense.weight", I, H); p(b + "intermediate.dense.bias", I, scale=0.1)
    p(b + "output.dense.weight", H, I); p(b + "output.dense.bias", H, scale=0.1)
    for n in ["attention.output.LayerNorm", "output.LayerNorm"]:
        w[b + n + ".weight"] = 1 + torch.randn(H) * 0.1; p(b + n + ".bias", H, scale=0.1)
p("bert.pooler.dense.weight", H, H); p("bert.pooler.dense.bias", H, scale=0.1)
p("classifier.weight", LABELS, H); p("classifier.bias", LABELS, scale=0.1)

def forward(ids, types, mask):
    F = torch.nn.functional
    B, S = ids.shape
    x = w["bert.embeddings.word_embeddings.weight"][ids] + w["bert.embeddings.position_embeddings.weight"][torch.arange(S)][None] \
        + w["bert.embeddings.token_type_embeddings.weight"][types]
    x = F.layer_norm(x, (H,), w["bert.embeddings.LayerNorm.weight"], w["bert.embeddings.LayerNorm.bias"], EPS)
    add = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    for l in range(L):
        b = f"bert.encoder.layer.{l}."
        lin = lambda t, n: F.linear(t, w[b + n + ".weight"], w[b + n + ".bias"])
        heads = lambda t: t.view(B, S, NH, H // NH).transpose(1, 2)
        q, k, v = heads(lin(x, "attention.self.query")), heads(lin(x, "attention.self.key")), heads(lin(x, "attention.self.value"))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(H // NH) + add, dim=-1) @ v
        a = a.transpose(1, 2).reshape(B, S, H)
        x = F.layer_norm(x + lin(a, "attention.output.dense"), (H,), w[b + "attention.output.LayerNorm.weight"], w[b + "attention.output.LayerNorm.bias"], EPS)
        hmid = F.gelu(lin(x, "intermediate.dense"))
        x = F.layer_norm(x + lin(hmid, "output.dense"), (H,), w[b + "output.LayerNorm.weight"], w[b + "output.LayerNorm.bias"], EPS)
    pooled = torch.tanh(F.linear(x[:, 0], w["bert.pooler.dense.weight"], w["bert.pooler.dense.bias"]))
    return F.linear(pooled, w["classifier.weight"], w["classifier.bias"]), x

# [CLS]=1 a [SEP]=2 b [SEP], pairs of different lengths, padded with 0.
pairs = [([5, 6, 7], [8, 9]), ([10], [11, 12, 13, 14, 15, 16]), ([17, 18, 19, 20, 21, 22, 23, 24], [25, 26, 27]), ([], [30])]
seqs = []
for a, bb in pairs:
    ids = [1] + a + [2] + bb + [2]
    types = [0] * (len(a) + 2) + [1] * (len(bb) + 1)
    seqs.append((ids, types))
S = max(len(s[0]) for s in seqs)
ids = torch.tensor([s[0] + [0] * (S - len(s[0])) for s in seqs])
types = torch.tensor([s[1] + [0] * (S - len(s[1])) for s in seqs])
mask = torch.tensor([[1] * len(s[0]) + [0] * (S - len(s[0])) for s in seqs])
with torch.no_grad():
    logits, hidden = forward(ids, types, mask)

# safetensors by hand: 8-byte LE header length, JSON header, raw little-endian data.
header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
for name, t in w.items():
    data = t.contiguous().numpy().astype("<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
    blobs.append(data); off += len(data)
hj = json.dumps(header).encode()
hj += b" " * ((8 - len(hj) % 8) % 8)
with open(os.path.join(OUT, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(hj))); f.write(hj); [f.write(b) for b in blobs]
json.dump({"architectures": ["BertForSequenceClassification"], "model_type": "bert", "hidden_size": H, "num_hidden_layers": L,
           "num_attention_heads": NH, "intermediate_size": I, "vocab_size": V, "max_position_embeddings": P,
           "type_vocab_size": T, "layer_norm_eps": EPS, "hidden_act": "gelu"}, open(os.path.join(OUT, "config.json"), "w"), indent=1)
json.dump({"ids": [s[0] for s in seqs], "types": [s[1] for s in seqs], "logits": logits.tolist(),
           "hidden": [hidden[i, :len(s[0])].reshape(-1).tolist() for i, s in enumerate(seqs)]},
          open(os.path.join(OUT, "expected.json"), "w"))
print("wrote", OUT, "logits", logits.tolist())
