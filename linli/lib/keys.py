"""Generate fresh local keys: ``python -m linli.lib.keys > var/linli.env``.

Three separate secrets: Django's SECRET_KEY, the data-encryption key for phone
and ID numbers, and the blind-index key used to find them. Losing the data key
loses the encrypted data, so production keeps these in a secrets store.
"""

import base64
import secrets


def new_fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def main() -> None:
    print("# linli local keys, generated on first run. Keep them; do not commit them.")
    print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
    print(f"LINLI_DATA_KEY={new_fernet_key()}")
    print(f"LINLI_INDEX_KEY={secrets.token_urlsafe(32)}")
    print("# Local use serves plain HTTP on 127.0.0.1; production leaves this out (HTTPS on).")
    print("LINLI_HTTPS=0")


if __name__ == "__main__":
    main()
