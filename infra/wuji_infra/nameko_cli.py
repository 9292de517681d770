"""``python -m wuji_infra.nameko_cli run ...``: nameko's command line, as
``python -m nameko``, without eventlet's deprecation notice in every log
(nameko 3 runs on eventlet; the notice tells operators nothing they can act on)."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import nameko.cli  # noqa: E402

if __name__ == "__main__":
    nameko.cli.cli()
