#!/usr/bin/python3
"""Goldens for the GGUF (SentencePiece, score-driven) path of jllm's SentencePieceBpe.

Independent reference: Google's sentencepiece (Debian package python3-sentencepiece).
1. Writes texts.json: Brown Corpus paragraphs (data/brown.jsonl.gz) plus edge_cases.json.
2. Trains a small SentencePiece BPE model (byte fallback, identity normalization, spaces kept,
   dummy prefix on) on other Brown paragraphs.
3. Exports its pieces/scores/types the way a GGUF file stores them (tokenizer.ggml.*) and the
   ids sentencepiece itself produces.

llama.cpp cuts user-defined (and, with special parsing, control/unknown) tokens out of the
text first and gives every remaining fragment its own leading space; the expected ids are
therefore sentencepiece's encoding of each fragment, concatenated with the matched token ids.

Usage: /usr/bin/python3 make_spm_gguf_goldens.py   (from this directory)
"""
import gzip, json, os, random, tempfile
import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
OUT = os.path.join(ROOT, 'jllm-tokenizer', 'src', 'test', 'resources', 'spm')
USER_DEFINED = ['<tool>', '@@']
CONTROL = ['<ctl>']


def brown_docs():
    with gzip.open(os.path.join(ROOT, 'data', 'brown.jsonl.gz'), 'rt', encoding='utf-8') as f:
        return [json.loads(line)['text'] for line in f]


def make_texts(docs):
    texts = []
    for i, doc in enumerate(docs):
        paras = [p for p in doc.split('\n\n') if p.strip()]
        if i % 2 == 0:
            texts.append(paras[0])
        if i % 25 == 0:
            texts.append('\n\n'.join(paras[1:4]))
    with open(os.path.join(HERE, 'edge_cases.json'), encoding='utf-8') as f:
        texts += json.load(f)
    return texts + random_texts()


def random_texts(count=100, seed=20261122):
    """Seeded random strings over character classes that tokenizers treat differently."""
    rng = random.Random(seed)
    pools = [
        [chr(c) for c in range(0x20, 0x7F)],
        list(' \t\n\r\u00a0\u3000\u2009\u2028\u1680\u000b\u000c'),
        list('\x00\x01\x1f\x7f\x85\u200b\u200d\ufeff\u00ad\ufffd\ue000'),
        [chr(c) for c in range(0xC0, 0x250)],
        [chr(c) for c in range(0x300, 0x370)],
        [chr(c) for c in range(0x370, 0x530)],
        [chr(c) for c in range(0x2000, 0x2070)] + [chr(c) for c in range(0x3000, 0x3040)],
        [chr(c) for c in range(0x3040, 0x3100)] + [chr(c) for c in range(0xAC00, 0xAC40)],
        [chr(rng.randrange(0x4E00, 0xA000)) for _ in range(200)] + [chr(rng.randrange(0x20000, 0x2CEB0)) for _ in range(50)],
        [chr(rng.randrange(0x1F300, 0x1FB00)) for _ in range(300)],
        [chr(rng.randrange(0x80, 0x30000)) for _ in range(500) if not 0xD800 <= 0 <= 0xDFFF],
    ]
    out = []
    for _ in range(count):
        n = rng.randrange(1, 40)
        chars = []
        for _ in range(n):
            c = rng.choice(rng.choice(pools))
            if 0xD800 <= ord(c) <= 0xDFFF:
                c = 'x'
            chars.append(c)
        out.append(''.join(chars))
    return out


def train(docs, workdir, add_dummy_prefix=True, vocab_size=3000, name='m'):
    corpus = os.path.join(workdir, 'train.txt')
    with open(corpus, 'w', encoding='utf-8') as f:
        for i, doc in enumerate(docs):
            if i % 2 == 1:
                for p in doc.split('\n\n'):
                    p = p.replace('\n', ' ').strip()
                    if p:
                        f.write(p + '\n')
    prefix = os.path.join(workdir, name)
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=prefix, model_type='bpe', vocab_size=vocab_size,
        byte_fallback=True, normalization_rule_name='identity', remove_extra_whitespaces=False,
        add_dummy_prefix=add_dummy_prefix, split_digits=True, character_coverage=0.9995,
        user_defined_symbols=USER_DEFINED, control_symbols=CONTROL,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, minloglevel=2)
    return spm.SentencePieceProcessor(model_file=prefix + '.model')


def token_type(sp, i):
    if sp.is_unknown(i): return 2
    if sp.is_control(i): return 3
    if sp.is_unused(i): return 5
    if sp.is_byte(i): return 6
    if sp.id_to_piece(i) in USER_DEFINED: return 4
    return 1


def split_specials(text, specials):
    """Leftmost-longest split of text around the given (piece, id) list."""
    parts, start, i = [], 0, 0
    while i < len(text):
        best = None
        for piece, pid in specials:
            if text.startswith(piece, i) and (best is None or len(piece) > len(best[0])):
                best = (piece, pid)
        if best is None:
            i += 1
            continue
        if i > start:
            parts.append(text[start:i])
        parts.append(best[1])
        i += len(best[0])
        start = i
    if start < len(text):
        parts.append(text[start:])
    return parts


def encode_llama(sp, text, specials):
    ids = []
    for part in split_specials(text, specials):
        if isinstance(part, int):
            ids.append(part)
        else:
            ids += sp.encode(part)
    return ids


def fixture(sp, texts, add_space_prefix, add_eos, what):
    n = sp.get_piece_size()
    types = [token_type(sp, i) for i in range(n)]
    user = [(sp.id_to_piece(i), i) for i in range(n) if types[i] == 4]
    special = user + [(sp.id_to_piece(i), i) for i in range(n) if types[i] in (2, 3)]
    cases = []
    for t in texts:
        plain = encode_llama(sp, t, user)
        cases.append({
            'text': t,
            'ids': plain,
            'ids_parse_special': encode_llama(sp, t, special),
            'sp_encode': sp.encode(t),
            'decoded': sp.decode(plain),
        })
    print(what, 'texts', len(texts), 'vocab', n, 'types', {k: types.count(k) for k in set(types)})
    return {
        'source': 'sentencepiece %s BPE trained on Brown Corpus paragraphs by make_spm_gguf_goldens.py (%s)' % (spm.__version__, what),
        'gguf': {
            'tokenizer.ggml.model': 'llama',
            'tokenizer.ggml.tokens': [sp.id_to_piece(i) for i in range(n)],
            'tokenizer.ggml.scores': [sp.get_score(i) for i in range(n)],
            'tokenizer.ggml.token_type': types,
            'tokenizer.ggml.bos_token_id': sp.bos_id(),
            'tokenizer.ggml.eos_token_id': sp.eos_id(),
            'tokenizer.ggml.unknown_token_id': sp.unk_id(),
            'tokenizer.ggml.add_bos_token': True,
            'tokenizer.ggml.add_eos_token': add_eos,
            'tokenizer.ggml.add_space_prefix': add_space_prefix,
        },
        'cases': cases,
    }


def write(name, data):
    os.makedirs(OUT, exist_ok=True)
    with gzip.open(os.path.join(OUT, name), 'wt', encoding='utf-8', compresslevel=9) as f:
        json.dump(data, f, ensure_ascii=True)


def main():
    docs = brown_docs()
    texts = make_texts(docs)
    with open(os.path.join(HERE, 'texts.json'), 'w', encoding='utf-8') as f:
        json.dump(texts, f, ensure_ascii=True, indent=0)
    with tempfile.TemporaryDirectory() as tmp:
        sp = train(docs, tmp)
        # Gemma-style: no space in front of the text (GGUF add_space_prefix = false), EOS appended.
        sp_nospace = train(docs, tmp, add_dummy_prefix=False, vocab_size=1200, name='nospace')
    write('spm-bpe-brown-goldens.json.gz', fixture(sp, texts, True, False, 'dummy prefix'))
    write('spm-bpe-brown-nospace-goldens.json.gz', fixture(sp_nospace, texts[:80] + texts[-150:], False, True, 'no dummy prefix'))


if __name__ == '__main__':
    main()
