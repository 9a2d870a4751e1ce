#!/usr/bin/env bash
# Train the Rasa NLU model from nlu/ and serve it on loopback for OUTREACH_NLU_BACKEND=rasa.
#
#   scripts/rasa.sh train   train unless a model of the same data already exists; prints its path
#   scripts/rasa.sh run     train if needed, then serve POST /model/parse (runs in the foreground)
#
#   RASA_VENV        the Rasa environment (default: .venv-rasa; build it with scripts/rasa-env.sh)
#   RASA_NLU_DIR     the Rasa NLU project with config.yml, domain.yml, data/ (default: nlu)
#   RASA_MODELS_DIR  where trained models are kept (default: var/rasa-models)
#   RASA_HOST        address to listen on (default: 127.0.0.1)
#   RASA_PORT        port to listen on (default: 5005)
#   RASA_MODEL       with run: serve this model file as it is, without training
#   RASA_MAX_CACHE_SIZE  Rasa's training cache in MB (kept under the models dir); 0 turns it off
#
# The model is named after a hash of the training inputs and the installed Rasa version, so an
# unchanged data set is never trained twice and switching branches back finds the old model.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${RASA_VENV:-$ROOT/.venv-rasa}"
NLU_DIR="${RASA_NLU_DIR:-$ROOT/nlu}"
MODELS_DIR="${RASA_MODELS_DIR:-$ROOT/var/rasa-models}"
HOST="${RASA_HOST:-127.0.0.1}"
PORT="${RASA_PORT:-5005}"
RASA="$VENV/bin/rasa"

# Rasa caches training results under ./.rasa/cache by default; keep them with the models.
export RASA_CACHE_DIRECTORY="${RASA_CACHE_DIRECTORY:-$MODELS_DIR/cache}"
# Rasa would otherwise ask about telemetry on first use and try to send it.
export RASA_TELEMETRY_ENABLED=false
# Rasa 3.6 runs on SQLAlchemy 1.4 and prints a 2.0 migration warning at every start.
export SQLALCHEMY_SILENCE_UBER_WARNING=1
# TensorFlow's C++ start-up chatter (no GPU, no TensorRT) is noise here.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"

die() {
    echo "rasa: $*" >&2
    exit 1
}

[[ -x "$RASA" ]] || die "no Rasa environment at $VENV; run scripts/rasa-env.sh first"

data_hash() {
    # Relative paths, sorted, so the hash does not depend on where the clone lives.
    {
        "$VENV/bin/python" -c "import rasa; print(rasa.__version__)"
        (cd "$1" && find config.yml domain.yml data -type f \( -name '*.yml' -o -name '*.yaml' \) \
            | LC_ALL=C sort | xargs sha256sum)
    } | sha256sum | cut -c1-16
}

train() {
    local snapshot name model started input
    for input in "$NLU_DIR/config.yml" "$NLU_DIR/domain.yml" "$NLU_DIR/data"; do
        [[ -e "$input" ]] || die "missing $input"
    done
    # Hash and train the same bytes even if someone edits nlu/ while Rasa trains.
    snapshot="$(mktemp -d)"
    trap 'rm -rf "$snapshot"' EXIT
    cp -R "$NLU_DIR/config.yml" "$NLU_DIR/domain.yml" "$NLU_DIR/data" "$snapshot/"
    name="nlu-$(data_hash "$snapshot")"
    model="$MODELS_DIR/$name.tar.gz"
    if [[ -f "$model" ]]; then
        echo "rasa: $NLU_DIR unchanged, reusing $model" >&2
        touch "$model"
    else
        mkdir -p "$MODELS_DIR"
        echo "rasa: training $NLU_DIR into $model" >&2
        started=$SECONDS
        "$RASA" train nlu --config "$snapshot/config.yml" --nlu "$snapshot/data" \
            --domain "$snapshot/domain.yml" --out "$MODELS_DIR" --fixed-model-name "$name" >&2
        [[ -f "$model" ]] || die "training finished without writing $model"
        echo "rasa: trained in $((SECONDS - started)) s" >&2
        # Keep the five newest models: enough to switch branches back, bounded on disk.
        find "$MODELS_DIR" -maxdepth 1 -name 'nlu-*.tar.gz' -printf '%T@ %p\n' \
            | sort -rn | tail -n +6 | cut -d' ' -f2- | xargs -r -d '\n' rm -f
    fi
    rm -rf "$snapshot"
    trap - EXIT
    echo "$model"
}

case "${1:-}" in
    train)
        train
        ;;
    run)
        if [[ -n "${RASA_MODEL:-}" ]]; then
            model="$RASA_MODEL"
            [[ -f "$model" ]] || die "no model at $model"
        else
            model="$(train)"
        fi
        echo "rasa: serving $model on http://$HOST:$PORT (POST /model/parse)" >&2
        exec "$RASA" run --enable-api -i "$HOST" --port "$PORT" --model "$model"
        ;;
    *)
        echo "usage: scripts/rasa.sh train|run" >&2
        exit 2
        ;;
esac
