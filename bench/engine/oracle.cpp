// The llama.cpp side of ModelVet's engine checks: for each prompt, the prompt's tokens, the greedy
// continuation and the top logits at the last prompt position (with the log-sum-exp of all of
// them, so that log-probabilities follow), as JSON lines. Built against the
// llama.cpp in the llama-cpp-python sdist by bench/engine/build_llama_cpp.sh; never run in CI.
//
//   oracle MODEL.gguf PROMPTS.txt N_PREDICT THREADS TOP_K > golden.jsonl
//
// PROMPTS.txt holds one prompt per line, with \n written as the two characters \ and n.
// Tokenization adds the model's special tokens and parses special tokens in the text, as
// ModelVet's engine does. Flash attention is off and the KV cache is f16 (llama.cpp's defaults
// before the automatic flash-attention choice), so both engines compute attention the same way.
#include "ggml.h"
#include "llama.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

// ORACLE_DUMP=1 prints, for every tensor the graph computes, its name, shape and the first values
// of its last row, to locate where two implementations part ways.
static bool dump_tensor(struct ggml_tensor * t, bool ask, void * user_data) {
    (void) user_data;
    if (ask) return true;
    if (t->type != GGML_TYPE_F32) return true;
    const int64_t n0 = t->ne[0], rows = ggml_nrows(t);
    const float * data = (const float *) t->data;
    const float * last = data + (rows - 1) * n0;
    double sum = 0;
    for (int64_t i = 0; i < n0; i++) sum += last[i];
    const char * full = getenv("ORACLE_DUMP_FULL");
    if (full && strcmp(full, t->name) == 0) {
        const int64_t row = getenv("ORACLE_ROW") ? atoll(getenv("ORACLE_ROW")) : rows - 1;
        fprintf(stderr, "FULL %s[%lld,%lld]", t->name, (long long) t->ne[0], (long long) t->ne[1]);
        for (int64_t i = 0; i < n0; i++) fprintf(stderr, " %.9g", data[row * n0 + i]);
        fprintf(stderr, "\n");
    }
    if (getenv("ORACLE_ALLROWS")) {
        for (int64_t r = 0; r < rows; r++) {
            double rs = 0; for (int64_t i = 0; i < n0; i++) rs += data[r * n0 + i];
            fprintf(stderr, "ROW %s %lld %.6f %.9g\n", t->name, (long long) r, rs, data[r * n0]);
        }
    }
    fprintf(stderr, "DUMP %-24s [%lld,%lld,%lld] last-row sum %.6f first %.6f %.6f %.6f\n", t->name, (long long) t->ne[0],
            (long long) t->ne[1], (long long) t->ne[2], sum, last[0], n0 > 1 ? last[1] : 0.0f, n0 > 2 ? last[2] : 0.0f);
    return true;
}

static std::string unescape(const std::string & s) {
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 'n') { out += '\n'; i++; }
        else if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '\\') { out += '\\'; i++; }
        else out += s[i];
    }
    return out;
}

static std::string json_string(const std::string & s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"') out += "\\\"";
        else if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c < 0x20) { char buf[8]; snprintf(buf, sizeof buf, "\\u%04x", c); out += buf; }
        else out += (char) c;
    }
    return out + "\"";
}

int main(int argc, char ** argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s MODEL PROMPTS N_PREDICT THREADS TOP_K\n", argv[0]);
        return 2;
    }
    const int n_predict = atoi(argv[3]), n_threads = atoi(argv[4]), top_k = atoi(argv[5]);
    llama_backend_init();
    llama_model_params mparams = llama_model_default_params();
    llama_model * model = llama_model_load_from_file(argv[1], mparams);
    if (!model) { fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);

    std::ifstream in(argv[2]);
    std::string line;
    int index = 0;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const std::string prompt = unescape(line);
        llama_context_params cparams = llama_context_default_params();
        cparams.n_ctx = 2048;
        cparams.n_batch = 2048;
        cparams.n_threads = n_threads;
        cparams.n_threads_batch = n_threads;
        cparams.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
        if (getenv("ORACLE_DUMP")) { cparams.cb_eval = dump_tensor; cparams.cb_eval_user_data = nullptr; }
        llama_context * ctx = llama_init_from_model(model, cparams);

        std::vector<llama_token> tokens(prompt.size() + 16);
        int n = llama_tokenize(vocab, prompt.c_str(), (int) prompt.size(), tokens.data(), (int) tokens.size(), true, true);
        if (n < 0) { tokens.resize(-n); n = llama_tokenize(vocab, prompt.c_str(), (int) prompt.size(), tokens.data(), (int) tokens.size(), true, true); }
        tokens.resize(n);

        std::vector<llama_token> generated;
        std::vector<std::pair<float, int>> top;
        double logsumexp = 0;
        llama_batch batch = llama_batch_get_one(tokens.data(), (int) tokens.size());
        llama_token next = 0;
        for (int step = 0; step < n_predict; step++) {
            if (llama_decode(ctx, batch) != 0) { fprintf(stderr, "decode failed\n"); return 1; }
            const float * logits = llama_get_logits_ith(ctx, -1);
            next = 0;
            for (int i = 1; i < n_vocab; i++) if (logits[i] > logits[next]) next = i;
            if (step == 0) {
                double sum = 0;
                for (int i = 0; i < n_vocab; i++) sum += exp((double) logits[i] - (double) logits[next]);
                logsumexp = (double) logits[next] + log(sum);
                for (int i = 0; i < n_vocab; i++) top.push_back({logits[i], i});
                std::partial_sort(top.begin(), top.begin() + top_k, top.end(),
                                  [](const auto & a, const auto & b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
                top.resize(top_k);
            }
            generated.push_back(next);
            if (llama_vocab_is_eog(vocab, next)) break;
            batch = llama_batch_get_one(&next, 1);
        }

        printf("{\"index\": %d, \"prompt\": %s, \"prompt_tokens\": [", index, json_string(prompt).c_str());
        for (size_t i = 0; i < tokens.size(); i++) printf("%s%d", i ? ", " : "", tokens[i]);
        printf("], \"tokens\": [");
        for (size_t i = 0; i < generated.size(); i++) printf("%s%d", i ? ", " : "", generated[i]);
        printf("], \"top_logits\": [");
        for (size_t i = 0; i < top.size(); i++) printf("%s[%d, %.6f]", i ? ", " : "", top[i].second, top[i].first);
        printf("], \"logsumexp\": %.6f}\n", logsumexp);
        fflush(stdout);
        llama_free(ctx);
        index++;
    }
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
