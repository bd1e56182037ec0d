type AttachmentLink = { id: number; filename: string; sizeBytes: number };

/** A message's files, each a download link with its size: the same list for agents and customers. */
export function AttachmentList({ files, hrefFor }: { files: AttachmentLink[]; hrefFor: (fileId: number) => string }) {
  if (files.length === 0) return null;
  return (
    <ul aria-label="Attachments" className="mt-3 flex flex-wrap gap-2 text-sm">
      {files.map((file) => (
        <li key={file.id}>
          <a
            href={hrefFor(file.id)}
            download
            className="inline-flex items-center gap-1 rounded-lg border border-slate-200 px-2 py-1 text-slate-800 hover:bg-slate-50 hover:underline"
          >
            <span aria-hidden>📎</span> <span className="max-w-[16rem] truncate">{file.filename}</span>{" "}
            <span className="text-slate-500">{`(${formatBytes(file.sizeBytes)})`}</span>
          </a>
        </li>
      ))}
    </ul>
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
