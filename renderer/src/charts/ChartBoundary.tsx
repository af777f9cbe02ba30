// An error boundary around one chart or section: a chart that throws (bad data, a library bug)
// shows what went wrong in its place, and the rest of the page keeps working.
import { Component, type ErrorInfo, type ReactNode } from 'react'
import { i18next } from '../i18n'

interface Props {
  name: string
  children: ReactNode
}

export class ChartBoundary extends Component<Props, { error: Error | null }> {
  override state = { error: null as Error | null }

  static getDerivedStateFromError(error: Error) {
    return { error }
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`[normlab] the ${this.props.name} view failed`, error, info.componentStack)
  }

  override render() {
    if (!this.state.error) return this.props.children
    return (
      <div className="card chart-error" role="alert" data-testid={`chart-error-${this.props.name}`}>
        {i18next.t('charts.failed', { message: this.state.error.message })}
      </div>
    )
  }
}
