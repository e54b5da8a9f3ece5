"""`rasa ...` without the libraries' warnings that a newcomer would take for a failure.

    .venv-rasa/bin/python scripts/rasa_quiet.py train --config config.yml ...  # `rasa train ...`

Rasa's dependencies warn about things only their maintainers can change: DeprecationWarnings
raised in site-packages (pkg_resources, tensorflow/jax, keras, matplotlib/pyparsing) and
scikit-learn's ConvergenceWarning, printed when the LogisticRegressionClassifier's lbfgs solver
stops at its max_iter (the model is trained all the same, and docs/site-pack.md's figures are
measured with it). PYTHONWARNINGS cannot hide them: sanic (imported by rasa) and rasa itself put
filters ("once" for every DeprecationWarning and UserWarning) in front of the command line's. So
they are dropped where warnings are shown (warnings.showwarning). Every other warning (Rasa's own
about the training data, a FutureWarning, a warning raised by our code) and every error is shown.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

# Responses that a custom action sends (action_clarify), not a rule: Rasa's check of the data
# cannot see that and says they are unused.
SENT_BY_ACTIONS = ("utter_ask_rephrase", "utter_clarify", "utter_clarify_other")


def is_noise(category: type[Warning], filename: str, message: object = "") -> bool:
    """A warning about the libraries, not about the assistant being trained."""
    text = str(message)
    if "is not used in any story or rule" in text:
        return any(f"'{name}'" in text for name in SENT_BY_ACTIONS)
    if issubclass(category, (DeprecationWarning, PendingDeprecationWarning)):
        return "site-packages" in filename.replace("\\", "/").split("/")
    return category.__name__ == "ConvergenceWarning" and category.__module__.startswith("sklearn")


def install() -> None:
    """Show every warning except the libraries' noise (is_noise)."""
    show = warnings.showwarning

    def shown(message: Any, category: type[Warning], filename: str, lineno: int,
              file: Any = None, line: str | None = None) -> None:
        if not is_noise(category, filename, message):
            show(message, category, filename, lineno, file, line)

    warnings.showwarning = shown


if __name__ == "__main__":
    install()
    del sys.path[0]  # scripts/: as with the `rasa` command, only the working directory is added
    from rasa.__main__ import main

    sys.argv[0] = "rasa"
    sys.exit(main())
