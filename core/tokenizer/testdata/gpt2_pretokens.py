# Generates gpt2_pretokens.json: random strings cut by the pattern of transformers' GPT2Tokenizer with
# the same `regex` module it uses (Python 3.11, regex 2026.5.9). Run from this directory:
#   python3 gpt2_pretokens.py
import json
import random

import regex

pattern = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
# letters, digits, every kind of white space the classes disagree on, apostrophes and contraction
# letters, punctuation, marks, emoji, controls
alphabet = (list("aZé中ß09½٣'''.,!?-\"$") + ["s", "t", "re", "ve", "m", "ll", "d", "S"]
            + [" ", " ", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u2028", "\u3000", "\u200b"]
            + ["\u0301", "\U0001F600", "\x00", "\x7f", "\ufeff"])
random.seed(1)
texts = ["company's", "she 's", "doesn't", "I'LL 've  ", "  a  \n b"]
texts += ["".join(random.choice(alphabet) for _ in range(random.randint(1, 12))) for _ in range(1500)]
cases = [json.dumps({"text": t, "pretokens": pattern.findall(t)}, ensure_ascii=False) for t in texts]
with open("gpt2_pretokens.json", "w") as f:
    f.write("[\n" + ",\n".join(cases) + "\n]\n")
