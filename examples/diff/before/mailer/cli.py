"""mailer: send a short report by mail.  `python -m mailer.cli --help` should be instant."""

import argparse


def send(to: str, text: str) -> None:
    import smtplib
    from email.mime.text import MIMEText

    message = MIMEText(text)
    message["To"] = to
    with smtplib.SMTP("localhost") as server:
        server.send_message(message)


def main() -> None:
    parser = argparse.ArgumentParser(prog="mailer")
    parser.add_argument("to")
    parser.add_argument("text")
    args = parser.parse_args()
    send(args.to, args.text)


if __name__ == "__main__":
    main()
