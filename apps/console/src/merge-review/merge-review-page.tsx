// Placeholder: replaced by the feature's page.
export default function MergeReviewPage() {
  return <h1>MergeReviewPage</h1>;
}
