// The page number at the foot of every PDF page, for every printer.
export const PAGE_FOOTER =
  '<div style="font-size:8px;width:100%;text-align:center;color:#666"><span class="pageNumber"></span> / <span class="totalPages"></span></div>'
