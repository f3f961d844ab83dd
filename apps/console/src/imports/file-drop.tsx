/**
 * A drop zone that is also a plain file input: dragging a file onto it and choosing one with the
 * keyboard (Tab to the input, Enter or Space) do the same thing. The input is the real control;
 * the zone only widens where a file may land.
 */
import { useState, type DragEvent } from 'react';
import { useMessages } from '../platform/i18n';
import { importsMessages } from './messages';

export function useSize() {
  const t = useMessages(importsMessages);
  return (bytes: number): string => {
    if (bytes < 1024) return t('bytes', { n: bytes });
    if (bytes < 1024 ** 2) return t('kib', { n: Math.round((bytes / 1024) * 10) / 10 });
    return t('mib', { n: Math.round((bytes / 1024 ** 2) * 10) / 10 });
  };
}

export function FileDrop({ file, onFile, disabled }: { file: File | null; onFile: (file: File) => void; disabled: boolean }) {
  const t = useMessages(importsMessages);
  const size = useSize();
  const [over, setOver] = useState(false);

  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const dropped = event.dataTransfer.files[0];
    if (dropped && !disabled) onFile(dropped);
  };

  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      data-testid="dropzone"
      onDragOver={(event) => { event.preventDefault(); setOver(true); }}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
    >
      <p>
        {t('dropHere')}{' '}
        <label htmlFor="csv-file" className="file-label">{t('chooseFile')}</label>
      </p>
      <input
        id="csv-file"
        name="file"
        type="file"
        accept=".csv,text/csv"
        disabled={disabled}
        aria-describedby="csv-file-chosen"
        onChange={(event) => {
          const chosen = event.target.files?.[0];
          if (chosen) onFile(chosen);
        }}
      />
      <p id="csv-file-chosen" className="hint" aria-live="polite">{file ? t('chosen', { name: file.name, size: size(file.size) }) : t('noFile')}</p>
    </div>
  );
}
