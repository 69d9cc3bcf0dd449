NAME = "audio (core/plugins/audio.py)"
