import type { Region, Word } from "../../timeline/types";
import { boundaryAt, laneWords, wordAtX, wordBoxes } from "./lanewords";
import type { WordEditing } from "./wordedit";
import type { Lane, Layer, Workbench } from "./workbench";

/**
 * Word editing on a transcript lane: which word boundary a pointer is on (in the selected
 * segment, where its words are drawn) and the in-place editor over a double-clicked word. The
 * editing itself is the transcript pane's (one WordEditing per track), so both places agree.
 */
export class LaneWordEdit {
  /** The word editing of each transcript track, by track name. */
  readonly editors = new Map<string, WordEditing>();

  constructor(private wb: Workbench) {}

  /** The boundary between two words of a selected, editable transcript segment at lane x, or null. */
  boundaryAt(lane: Lane, layer: Layer, r: Region, x: number): { words: Word[]; boundary: number } | null {
    if (!this.wb.isSelected(layer, r.id)) return null;
    const drawn = this.drawn(lane, layer, r);
    const boundary = drawn ? boundaryAt(drawn.boxes, drawn.words.length, x) : -1;
    return drawn && boundary >= 0 ? { words: drawn.words, boundary } : null;
  }

  /** A press on a transcript segment: word keys then act on the word under the playhead, as after selecting it in the pane. */
  pressed(lane: Lane): void {
    const editor = this.editors.get(lane.track.name);
    if (editor) editor.selected = null;
  }

  /** Edit the word drawn at lane x in an input over it (`host` is the lane's body). */
  edit(host: HTMLElement, lane: Lane, layer: Layer, r: Region, x: number): void {
    const editor = this.editors.get(lane.track.name);
    const drawn = editor ? this.drawn(lane, layer, r) : null;
    if (!editor || lane.track.kind !== "transcript" || !layer.editable) return;
    const box = drawn?.boxes.find((b) => b.index === wordAtX(drawn.boxes, x));
    if (!box) return this.wb.status("Zoom in until the words show on the lane to edit one there");
    const left = Math.max(0, box.x0);
    editor.editOnLane(host, { id: r.id, index: box.index }, left, Math.min(box.x1, this.wb.viewport.widthPx) - left);
  }

  /** The words of an editable transcript segment as drawn now, or null (another track, or too narrow to show). */
  private drawn(lane: Lane, layer: Layer, r: Region): { words: Word[]; boxes: NonNullable<ReturnType<typeof wordBoxes>> } | null {
    if (lane.track.kind !== "transcript" || !layer.editable) return null;
    const vp = this.wb.viewport;
    const words = laneWords(r);
    const boxes = wordBoxes(words, (ms) => vp.timeToPx(ms), vp.widthPx);
    return boxes ? { words, boxes } : null;
  }
}
