NAME = "video (extra/plugins/video.py)"
