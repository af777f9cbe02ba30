import { useEffect, useRef, type ReactNode } from 'react'

/** A modal dialog (the native <dialog>): focus stays inside, Escape closes it. */
export function Dialog({
  title,
  children,
  onClose,
  testId,
}: {
  title: string
  children: ReactNode
  onClose: () => void
  testId?: string
}) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])
  return (
    <dialog ref={ref} className="dialog" onCancel={onClose} data-testid={testId} aria-label={title}>
      <h2>{title}</h2>
      {children}
    </dialog>
  )
}
