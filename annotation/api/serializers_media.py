"""Answers of the video analysis and stream offset endpoints (annotation/api/media.py)."""

from __future__ import annotations

from rest_framework import serializers

from datasets.models import Stream


class WaveformJsonSerializer(serializers.Serializer):
    """Peaks in waveform-data.js's JSON format: per bin, each channel's min then max."""

    version = serializers.IntegerField()
    channels = serializers.IntegerField()
    sample_rate = serializers.IntegerField()
    samples_per_pixel = serializers.IntegerField()
    bits = serializers.ChoiceField([8, 16])
    length = serializers.IntegerField(help_text="bins")
    # the metaclass takes declared fields off the class, so this does not hide Serializer.data
    data = serializers.ListField(child=serializers.IntegerField())  # type: ignore[assignment]


class ShotSerializer(serializers.Serializer):
    start_ms = serializers.IntegerField()
    end_ms = serializers.IntegerField(help_text="the next shot's start (the video's end for the last shot)")
    start_frame = serializers.IntegerField(help_text="decoded frames count from 0")
    end_frame = serializers.IntegerField(help_text="exclusive")
    thumb_url = serializers.CharField(allow_null=True)


class FilmstripSerializer(serializers.Serializer):
    """One density of tiles: tile k shows the first frame at or after k * interval_ms."""

    interval_ms = serializers.IntegerField()
    tile_width = serializers.IntegerField()
    tile_height = serializers.IntegerField()
    columns = serializers.IntegerField()
    rows = serializers.IntegerField()
    count = serializers.IntegerField(help_text="tiles in all sheets; sheets are filled row-major, the last cropped")
    sprites = serializers.ListField(child=serializers.CharField(), help_text="sheet URLs in order")


class ShotsSerializer(serializers.Serializer):
    shots = ShotSerializer(many=True)
    keyframes_ms = serializers.ListField(child=serializers.IntegerField())
    filmstrips = FilmstripSerializer(many=True)


class FramesSerializer(serializers.Serializer):
    """Documents the frame index, which is sent from its stored file as it is (it can be long)."""

    fps = serializers.FloatField(allow_null=True)
    timestamps_ms = serializers.ListField(child=serializers.IntegerField(),
                                          help_text="presentation time of every frame, in decode order")


class StreamOffsetAnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stream
        fields = ["id", "role", "offset_ms", "proposed_offset_ms", "offset_confidence"]
        read_only_fields = fields
