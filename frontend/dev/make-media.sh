#!/bin/sh
# Generate the dev harness media: a 60 s 25 fps test video, a separate audio track and a filmstrip sprite.
set -e
cd "$(dirname "$0")"
mkdir -p media
ffmpeg -loglevel error -y -f lavfi -i "testsrc2=size=480x270:rate=25:duration=60" -pix_fmt yuv420p -c:v libx264 -g 25 media/video.mp4
ffmpeg -loglevel error -y -f lavfi -i "sine=frequency=220:duration=60:sample_rate=16000" -af "volume='0.2+0.8*abs(sin(t*0.7))':eval=frame" -c:a libvorbis media/audio.ogg
ffmpeg -loglevel error -y -i media/video.mp4 -vf "fps=1,scale=96:54,tile=10x6" -frames:v 1 media/sprite.jpg
echo done
